package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/store"
)

// The crash test's sizes. crashSteps must stay well ahead of what the chain
// does between kills (here about 1,000 steps a second, 200 to 400 steps
// from one kill to the next), or the chain ends before the last kill and
// the test says so.
const (
	crashSteps      = 20000 // steps of the chain, alice and bob taking turns (even)
	crashKills      = 25    // SIGKILLs while the chain runs
	crashEarlyEvery = 5     // after every so many, one more while the kernel restores
	crashMinDelay   = 20 * time.Millisecond
	crashMaxDelay   = 200 * time.Millisecond
)

// chainHash is the hash the chain vats carry (testdata/vats/durable-chain.js):
// chainHash(0) is the FNV offset basis, chainHash(n) = (chainHash(n-1) ^ n) *
// 16777619 mod 2^32. hashes[n] is chainHash(n).
func chainHashes(n int) []uint32 {
	h := make([]uint32, n+1)
	h[0] = 2166136261
	for i := 1; i <= n; i++ {
		h[i] = (h[i-1] ^ uint32(i)) * 16777619
	}
	return h
}

// chainSummary is what one chain vat reports.
type chainSummary struct {
	Name       string            `json:"name"`
	Last       int               `json:"last"`
	Count      int               `json:"count"`
	Hash       uint32            `json:"hash"`
	Starts     int               `json:"starts"`
	Violations []string          `json:"violations"`
	Log        map[string]uint32 `json:"log"`
}

// TestCrashChainExactlyOnce runs a chain of crashSteps cranks between two
// vats inside `kernel serve`, SIGKILLs the daemon crashKills times at random
// points while the chain runs (and now and then while it restores), checks
// each time that no worker outlives it, restarts it on the same store
// without re-sending anything, and finally proves from the vats' baggage
// that every step ran exactly once and in order.
func TestCrashChainExactlyOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		begin := time.Now()
		seed := uint64(time.Now().UnixNano())
		rng := rand.New(rand.NewPCG(seed, seed>>1|1))
		t.Logf("seed %d", seed)

		// Every worker of this test runs through a link in a folder of its
		// own, so a survivor is found by its command line whoever its
		// parent is by then (a killed daemon's children are re-parented).
		dir := shortDir(t)
		link := filepath.Join(dir, "vat-worker")
		if err := os.Symlink(testutil.WorkerPath(t), link); err != nil {
			t.Fatal(err)
		}
		t.Setenv("OCAP_WORKER_PATH", link)
		sock := filepath.Join(dir, "k.sock")
		d, sys, root := startChain(t, url, sock, crashSteps)

		kill := func(d *serveProc, what string) {
			t.Helper()
			d.kill9()
			testutil.WaitFor(t, testutil.Patience, "every vat-worker of the killed daemon to exit ("+what+")", func() bool {
				return len(workersRunning(link)) == 0
			})
		}

		seen, early := 0, 0
		var at []string
		for k := 1; k <= crashKills; k++ {
			// The chain must move again by itself: nobody re-sends anything.
			n, moved := waitChainMoves(t, sock, root, seen, testutil.Patience)
			if !moved {
				t.Fatalf("kill %d: the chain did not move past step %d within %v of the restart:\n%s", k, seen, testutil.Patience, d.stderr.String())
			}
			if seen = n; seen >= crashSteps {
				t.Fatalf("the chain of %d steps finished before kill %d of %d: raise crashSteps", crashSteps, k, crashKills)
			}
			delay := crashMinDelay + time.Duration(rng.Int64N(int64(crashMaxDelay-crashMinDelay)))
			time.Sleep(delay)
			kill(d, fmt.Sprintf("kill %d", k))
			at = append(at, fmt.Sprintf("%d+%dms", seen, delay.Milliseconds()))

			d = startServe(t, url, sock, "--system", sys)
			if k%crashEarlyEvery == 0 {
				// Now and then, kill it again while it restores.
				early++
				time.Sleep(time.Duration(rng.Int64N(int64(300 * time.Millisecond))))
				kill(d, fmt.Sprintf("early kill after kill %d", k))
				d = startServe(t, url, sock, "--system", sys)
			}
			d.waitReady()
		}
		killsDone := time.Now()

		// Let the chain finish by itself, then read both vats.
		var r string
		ok(t, sock, &r, "system-root", "chain")
		if r != root {
			t.Fatalf("after the kills the chain's root is %s, was %s", r, root)
		}
		// On a busy machine the rest of the chain may take longer than any
		// fixed bound: what must hold is that it keeps moving.
		for seen < crashSteps {
			n, moved := waitChainMoves(t, sock, root, seen, testutil.Patience)
			if !moved {
				t.Fatalf("the chain stopped at step %d of %d after the kills:\n%s", seen, crashSteps, d.stderr.String())
			}
			seen = n
		}
		finished := time.Now()
		var rep []chainSummary
		ok(t, sock, &rep, "send", root, "report")
		if len(rep) != 2 || rep[0].Name != "alice" || rep[1].Name != "bob" {
			t.Fatalf("report: %+v", rep)
		}
		h := chainHashes(crashSteps)
		for i, s := range rep {
			first := 2 - i // alice takes the even steps, bob the odd ones
			if len(s.Violations) != 0 {
				t.Errorf("%s recorded violations: %q", s.Name, s.Violations)
			}
			want := crashSteps / 2
			last := crashSteps - i
			if s.Count != want || s.Last != last || s.Hash != h[last] || len(s.Log) != want {
				t.Errorf("%s: count %d, last %d, hash %d, %d log entries; want %d, %d, %d, %d",
					s.Name, s.Count, s.Last, s.Hash, len(s.Log), want, last, h[last], want)
			}
			bad := 0
			for n := first; n <= crashSteps; n += 2 {
				got, found := s.Log[strconv.Itoa(n)]
				if (!found || got != h[n-1]) && bad < 5 {
					bad++
					t.Errorf("%s: step %d logged %v (present %v); want it logged once with the hash of steps 1..%d, %d", s.Name, n, got, found, n-1, h[n-1])
				}
			}
			if s.Starts < crashKills+1 {
				t.Errorf("%s: buildRootObject ran %d times; want at least %d (one start and one per kill)", s.Name, s.Starts, crashKills+1)
			}
		}

		// Quiet at the end: nothing left in the queue moves the chain.
		if n := chainProgress(t, sock, root); n != crashSteps {
			t.Errorf("progress after the report: %d", n)
		}
		workers := d.workers()
		ok(t, sock, nil, "stop")
		if code := d.wait(testutil.Patience); code != 0 {
			t.Fatalf("exit %d after stop", code)
		}
		testutil.WaitFor(t, testutil.Patience, "every worker to exit", func() bool { return allGone(workers) })
		t.Logf("%d steps, %d kills while the chain ran and %d during restarts; starts alice %d, bob %d; "+
			"kills done after %v, chain done %v later, %v in all; kills (seen step+delay): %s",
			crashSteps, crashKills, early, rep[0].Starts, rep[1].Starts,
			killsDone.Sub(begin).Round(time.Millisecond), finished.Sub(killsDone).Round(time.Millisecond),
			time.Since(begin).Round(time.Millisecond), strings.Join(at, " "))
	})
}

// workersRunning lists the live processes whose command line holds path:
// the vat-workers started through it, whichever process is their parent.
func workersRunning(path string) []int {
	pids := testutil.Processes(path, -1)
	slices.Sort(pids)
	return pids
}

// chainProgress asks the chain's root (alice) for the last step she took.
func chainProgress(t *testing.T, sock, root string) int {
	t.Helper()
	var n int
	ok(t, sock, &n, "send", root, "progress")
	return n
}

// waitChainMoves waits until the chain is past step seen and returns where
// it is, or reports that it stalled.
func waitChainMoves(t *testing.T, sock, root string, seen int, limit time.Duration) (int, bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if n := chainProgress(t, sock, root); n > seen {
			return n, true
		}
		if time.Now().After(deadline) {
			return seen, false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dumpChainState reads, from a store no daemon holds any more, the run
// queue and the chain vats' progress, to show where a stalled chain stands.
func dumpChainState(t *testing.T, url string) string {
	t.Helper()
	db, err := store.Open(t.Context(), url)
	if err != nil {
		return "opening the store: " + err.Error()
	}
	defer db.Close()
	var b strings.Builder
	for _, prefix := range []string{"rq.", "vs.v1.baggage.last", "vs.v2.baggage.last", "vs.v1.baggage.violations", "vs.v2.baggage.violations"} {
		err := db.Scan(t.Context(), prefix, func(key, value string) error {
			if len(value) > 160 {
				value = value[:160] + "..."
			}
			fmt.Fprintf(&b, "\n  %s = %s", key, value)
			return nil
		})
		if err != nil {
			fmt.Fprintf(&b, "\n  scanning %s: %v", prefix, err)
		}
	}
	return b.String()
}

// TestStopMidChainKeepsVats: `kernel stop` while the chain runs (the crank
// loop is then nearly always inside a delivery) must finish the current
// crank and exit, leaving both vats in the store; a new daemon restores
// them and the chain carries on. DESIGN, detail 3.
func TestStopMidChainKeepsVats(t *testing.T) {
	const steps, restarts = 100000, 5
	forEachStore(t, func(t *testing.T, url string) {
		sock := filepath.Join(shortDir(t), "k.sock")
		d, sys, root := startChain(t, url, sock, steps)
		seen := 0
		for i := 1; i <= restarts; i++ {
			n, moved := waitChainMoves(t, sock, root, seen, testutil.Patience)
			if !moved {
				t.Fatalf("restart %d: the chain stopped at step %d", i, seen)
			}
			seen = n
			ok(t, sock, nil, "stop")
			if code := d.wait(testutil.Patience); code != 0 {
				t.Fatalf("exit %d after stop", code)
			}
			if log := d.stderr.String(); strings.Contains(log, "vat terminated") {
				t.Fatalf("stop %d (chain at step %d) terminated a vat:\n%s", i, seen, log)
			}
			d = startServe(t, url, sock, "--system", sys)
			d.waitReady()
			var st statusJSON
			ok(t, sock, &st, "status")
			if len(st.Vats) != 2 {
				t.Fatalf("after stop %d the daemon restored %d vats, want 2: %+v", i, len(st.Vats), st.Vats)
			}
		}
		ok(t, sock, nil, "stop")
		d.wait(testutil.Patience)
	})
}

// TestKill9MidChainResumes is the crash test cut down to what shows a
// failure first: kill -9 while the chain runs, restart, and the chain must
// move again by itself, with nothing logged about a broken run queue.
func TestKill9MidChainResumes(t *testing.T) {
	const steps, kills = 100000, 10
	forEachStore(t, func(t *testing.T, url string) {
		sock := filepath.Join(shortDir(t), "k.sock")
		d, sys, root := startChain(t, url, sock, steps)
		seen := 0
		for i := 1; i <= kills; i++ {
			n, moved := waitChainMoves(t, sock, root, seen, testutil.Patience)
			if !moved || strings.Contains(d.stderr.String(), "dropping run-queue item") {
				d.kill9()
				t.Fatalf("after kill %d the chain stands at step %d (moved: %v); the daemon logged:\n%s\nstore:%s",
					i-1, n, moved, d.stderr.String(), dumpChainState(t, url))
			}
			seen = n
			time.Sleep(50 * time.Millisecond)
			d.kill9()
			d = startServe(t, url, sock, "--system", sys)
			d.waitReady()
		}
		ok(t, sock, nil, "stop")
		d.wait(testutil.Patience)
	})
}

// startChain starts a daemon running the chain cluster as the system
// subcluster "chain" and kicks the chain off towards steps. It returns the
// daemon, the --system flag value to restart it with, and the chain's root.
func startChain(t *testing.T, url, sock string, steps int) (*serveProc, string, string) {
	t.Helper()
	sys := "chain=" + clusterFile(t, "durable-chain.json")
	d := startServe(t, url, sock, "--system", sys)
	d.waitReady()
	var root string
	ok(t, sock, &root, "system-root", "chain")
	if out := ok(t, sock, nil, "send", root, "start", strconv.Itoa(steps)); out != `"started"` {
		t.Fatalf("start: %s", out)
	}
	return d, sys, root
}
