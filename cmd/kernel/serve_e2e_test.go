package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/store/storetest"
)

type vatJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	SubclusterID string `json:"subclusterId"`
	PID          int    `json:"pid"`
}

type subclusterJSON struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	System   bool     `json:"system"`
	Vats     []string `json:"vats"`
	RootKref string   `json:"rootKref"`
}

type statusJSON struct {
	Vats        []vatJSON        `json:"vats"`
	Subclusters []subclusterJSON `json:"subclusters"`
	RemoteComms struct {
		State string `json:"state"`
	} `json:"remoteComms"`
}

// vatsOf returns the ids and pids of a subcluster's vats.
func (s statusJSON) vatsOf(sub string) (ids []string, pids []int) {
	for _, v := range s.Vats {
		if v.SubclusterID == sub {
			ids = append(ids, v.ID)
			pids = append(pids, v.PID)
		}
	}
	return ids, pids
}

// TestServeEndToEnd drives every client verb through the socket of a real
// daemon, then stops it and checks that no worker is left.
func TestServeEndToEnd(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		sock := filepath.Join(shortDir(t), "k.sock")
		d := startServe(t, url, sock, "--system", "hello="+clusterFile(t, "hello.json"))
		d.waitReady()
		if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&fs.ModeSocket == 0 {
			t.Fatalf("socket %s: %v, %v; want a socket with mode 0600", sock, fi, err)
		}

		// status: exactly the three keys, the system subcluster and its vats.
		var raw map[string]json.RawMessage
		ok(t, sock, &raw, "status")
		if keys := sortedKeys(raw); !slices.Equal(keys, []string{"remoteComms", "subclusters", "vats"}) {
			t.Fatalf("status keys %v", keys)
		}
		var st statusJSON
		ok(t, sock, &st, "status")
		if len(st.Vats) != 2 || st.Vats[0].Name != "alice" || st.Vats[1].Name != "bob" || st.Vats[0].ID == "" || st.Vats[0].PID == 0 ||
			len(st.Subclusters) != 1 || st.Subclusters[0].Name != "hello" || !st.Subclusters[0].System || st.RemoteComms.State != "disconnected" {
			t.Fatalf("status of a daemon with one system subcluster: %+v", st)
		}

		var root string
		ok(t, sock, &root, "system-root", "hello")
		if root != st.Subclusters[0].RootKref || !strings.HasPrefix(root, "ko") {
			t.Fatalf("system-root hello = %q, status says %q", root, st.Subclusters[0].RootKref)
		}
		if out := ok(t, sock, nil, "send", root, "hello", "world"); out != `"hello world, from Bob"` {
			t.Fatalf("send hello world: %s", out)
		}

		// launch with a relative path: the client makes it absolute.
		var launched struct {
			SubclusterID    string          `json:"subclusterId"`
			RootKref        string          `json:"rootKref"`
			BootstrapResult json.RawMessage `json:"bootstrapResult"`
		}
		out := ok(t, sock, &launched, "launch", filepath.Join("..", "..", "testdata", "clusters", "hello.json"))
		if !strings.HasPrefix(out, `{"subclusterId":`) || launched.SubclusterID == "" || launched.SubclusterID == st.Subclusters[0].ID ||
			!strings.HasPrefix(launched.RootKref, "ko") || string(launched.BootstrapResult) != `"alice is ready"` {
			t.Fatalf("launch: %s", out)
		}
		if out := ok(t, sock, nil, "send", launched.RootKref, "hello", `"you"`); out != `"hello you, from Bob"` {
			t.Fatalf("send hello \"you\": %s", out)
		}
		if out := ok(t, sock, nil, "send", "--timeout", "1m", launched.RootKref, "counts"); out != `{"bootstraps":1,"starts":1}` {
			t.Fatalf("send counts: %s", out)
		}

		var subs []subclusterJSON
		ok(t, sock, &subs, "subclusters")
		if len(subs) != 2 || subs[0].ID != st.Subclusters[0].ID || subs[1].ID != launched.SubclusterID || len(subs[1].Vats) != 2 {
			t.Fatalf("subclusters: %+v", subs)
		}
		if r := kernelCmd(t, "subclusters", "--socket", sock, "--output", "table"); r.code != 0 ||
			!strings.HasPrefix(r.stdout, "SUBCLUSTER") || !strings.Contains(r.stdout, launched.SubclusterID) || !strings.Contains(r.stdout, "hello") {
			t.Fatalf("subclusters --output table: %s", r)
		}
		if r := kernelCmd(t, "status", "--output", "table", "--socket", sock); r.code != 0 ||
			!strings.HasPrefix(r.stdout, "VAT") || !strings.Contains(r.stdout, "alice") || !strings.Contains(r.stdout, "remoteComms: disconnected") {
			t.Fatalf("status --output table: %s", r)
		}

		ok(t, sock, &st, "status")
		ids, pids := st.vatsOf(launched.SubclusterID)
		if len(ids) != 2 {
			t.Fatalf("status lists vats %v for %s", ids, launched.SubclusterID)
		}
		if out := ok(t, sock, nil, "ping-vat", ids[1]); out != `"pong"` {
			t.Fatalf("ping-vat %s: %s", ids[1], out)
		}
		all := d.workers()
		if len(all) != 4 {
			t.Fatalf("daemon has %d vat-worker children, want 4: %v", len(all), all)
		}

		// terminate: both workers die within 5s; sends to the root fail
		// naming the terminated vat.
		out = ok(t, sock, nil, "terminate", launched.SubclusterID)
		if out != `{"subclusterId":"`+launched.SubclusterID+`","terminated":true}` {
			t.Fatalf("terminate: %s", out)
		}
		testutil.WaitFor(t, testutil.Patience, "both workers of the terminated subcluster to exit", func() bool { return allGone(pids) })
		msg := fails(t, sock, "send", launched.RootKref, "hello", "x")
		if !strings.Contains(msg, "VAT_TERMINATED") || !strings.Contains(msg, "vat "+ids[0]+" was terminated") {
			t.Fatalf("send to a terminated subcluster's root: %q; want it to name vat %s", msg, ids[0])
		}
		if n := len(d.workers()); n != 2 {
			t.Fatalf("%d workers after terminate, want 2", n)
		}

		// stop: the client returns once the daemon is gone; exit 0, no
		// worker left, socket removed.
		var stopped struct {
			Stopped bool `json:"stopped"`
			PID     int  `json:"pid"`
		}
		ok(t, sock, &stopped, "stop")
		if !stopped.Stopped || stopped.PID != d.pid() {
			t.Fatalf("stop answered %+v, daemon pid %d", stopped, d.pid())
		}
		if code := d.wait(testutil.Patience); code != 0 {
			t.Fatalf("kernel serve exited with %d after stop:\n%s", code, d.stderr.String())
		}
		testutil.WaitFor(t, testutil.Patience, "every worker to exit", func() bool { return allGone(all) })
		if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("socket left behind after stop: %v", err)
		}
		if d.stdout.Len() != 0 {
			t.Errorf("kernel serve wrote to stdout: %q", d.stdout.String())
		}
		fails(t, sock, "status") // and clients now say no daemon runs
	})
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestServeKill9 kills the daemon with SIGKILL: its workers exit by
// themselves, and a new daemon on the same store restores the subclusters.
func TestServeKill9(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		sock := filepath.Join(shortDir(t), "k.sock")
		sys := "hello=" + clusterFile(t, "hello.json")
		d := startServe(t, url, sock, "--system", sys)
		d.waitReady()
		var launched struct {
			SubclusterID string `json:"subclusterId"`
			RootKref     string `json:"rootKref"`
		}
		ok(t, sock, &launched, "launch", clusterFile(t, "control/objects.json"))
		var before []subclusterJSON
		ok(t, sock, &before, "subclusters")
		pids := d.workers()
		if len(pids) != 3 {
			t.Fatalf("%d workers, want 3", len(pids))
		}

		d.kill9()
		testutil.WaitFor(t, testutil.Patience, "the workers of a killed daemon to exit", func() bool { return allGone(pids) })

		// The stale socket file is removed by the next daemon.
		d2 := startServe(t, url, sock, "--system", sys)
		d2.waitReady()
		var after []subclusterJSON
		ok(t, sock, &after, "subclusters")
		if len(after) != 2 || after[0].ID != before[0].ID || after[0].RootKref != before[0].RootKref ||
			after[1].ID != launched.SubclusterID || after[1].RootKref != launched.RootKref {
			t.Fatalf("subclusters after restart: %+v\nbefore: %+v", after, before)
		}
		if out := ok(t, sock, nil, "send", after[0].RootKref, "counts"); out != `{"bootstraps":1,"starts":2}` {
			t.Fatalf("counts after restart: %s", out)
		}
		if out := ok(t, sock, nil, "send", launched.RootKref, "echo", "1", "two"); out != `[1,"two"]` {
			t.Fatalf("echo after restart: %s", out)
		}
		if n := len(d2.workers()); n != 3 {
			t.Fatalf("%d workers after restart, want 3", n)
		}
		// SIGINT stops it like `kernel stop`.
		workers := d2.workers()
		if err := d2.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		if code := d2.wait(testutil.Patience); code != 0 {
			t.Fatalf("exit %d after SIGINT", code)
		}
		testutil.WaitFor(t, testutil.Patience, "every worker to exit", func() bool { return allGone(workers) })
	})
}

// TestServeRefusesSecond starts a second daemon on the first one's socket,
// then on its store: both refuse, saying which, and the first carries on.
func TestServeRefusesSecond(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		dir := shortDir(t)
		sock := filepath.Join(dir, "k.sock")
		d := startServe(t, url, sock)
		d.waitReady()
		var launched struct {
			RootKref string `json:"rootKref"`
		}
		ok(t, sock, &launched, "launch", clusterFile(t, "hello.json"))
		before := ok(t, sock, nil, "status")
		pids := d.workers()
		holder := "(pid " + strconv.Itoa(d.pid()) + ")"

		r := runServe(t, storetest.SQLiteURL(t), sock)
		if r.code != 1 || !strings.Contains(r.stderr, "a kernel daemon is already serving on "+sock+" "+holder) {
			t.Errorf("second serve on the same socket: %s", r)
		}
		r = runServe(t, url, filepath.Join(dir, "other.sock"))
		if r.code != 1 || !strings.Contains(r.stderr, "is in use by another kernel") || !strings.Contains(r.stderr, "pid "+strconv.Itoa(d.pid())) {
			t.Errorf("second serve on the same store: %s", r)
		}
		if _, err := os.Lstat(filepath.Join(dir, "other.sock")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the refused daemon left its socket: %v", err)
		}

		// The first daemon is untouched.
		if after := ok(t, sock, nil, "status"); after != before {
			t.Errorf("status changed:\nbefore %s\nafter  %s", before, after)
		}
		if out := ok(t, sock, nil, "send", launched.RootKref, "hello", "again"); out != `"hello again, from Bob"` {
			t.Errorf("send after the refusals: %s", out)
		}
		if got := d.workers(); !sameInts(got, pids) {
			t.Errorf("workers changed: %v, were %v", got, pids)
		}

		// SIGTERM stops it like `kernel stop`.
		if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := d.wait(testutil.Patience); code != 0 {
			t.Fatalf("exit %d after SIGTERM", code)
		}
		testutil.WaitFor(t, testutil.Patience, "every worker to exit", func() bool { return allGone(pids) })
	})
}

// runServe runs a serve that is expected to refuse to start.
func runServe(t *testing.T, url, sock string) result {
	t.Helper()
	return runKernel(t, []string{"OCAP_WORKER_PATH=" + testutil.WorkerPath(t)}, nil, "serve", "--db", url, "--socket", sock)
}

func sameInts(a, b []int) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestServeStopWhileStarting: a system subcluster that never finishes
// starting keeps the daemon "starting"; status and system-root say so, and
// `kernel stop` still stops it, exit 0, worker gone.
func TestServeStopWhileStarting(t *testing.T) {
	sock := filepath.Join(shortDir(t), "k.sock")
	d := startServe(t, storetest.SQLiteURL(t), sock, "--system", "spin="+clusterFile(t, "control/spin.json"))
	var r result
	testutil.WaitFor(t, testutil.Patience, "the daemon to answer STARTING", func() bool {
		r = kernelCmd(t, "status", "--socket", sock)
		return strings.Contains(r.stderr, "the kernel is starting")
	})
	if r.code != 1 || r.stdout != "" {
		t.Fatalf("status while starting: %s", r)
	}
	if msg := fails(t, sock, "system-root", "spin"); !strings.Contains(msg, "system subclusters are not ready yet") {
		t.Fatalf("system-root while starting: %q", msg)
	}
	var workers []int
	testutil.WaitFor(t, testutil.Patience, "the spinning vat's worker", func() bool { workers = d.workers(); return len(workers) == 1 })
	ok(t, sock, nil, "stop")
	if code := d.wait(testutil.Patience); code != 0 {
		t.Fatalf("exit %d after a stop while starting", code)
	}
	// The stop ended the start, rather than the spin's time limit.
	if log := d.stderr.String(); !strings.Contains(log, "stop requested while starting: abandoning the start") {
		t.Fatalf("the daemon did not abandon its start for the stop:\n%s", log)
	}
	testutil.WaitFor(t, testutil.Patience, "the worker to exit", func() bool { return allGone(workers) })
}

// TestServeDefaultSocket: without --socket, daemon and clients agree on
// $XDG_RUNTIME_DIR/ocap/kernel.sock, else a private folder in $TMPDIR.
func TestServeDefaultSocket(t *testing.T) {
	for _, tc := range []struct{ name, env, want string }{
		{"xdg", "XDG_RUNTIME_DIR", "ocap/kernel.sock"},
		{"fallback", "TMPDIR", "ocap-" + strconv.Itoa(os.Getuid()) + "/kernel.sock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := shortDir(t)
			t.Setenv("XDG_RUNTIME_DIR", "")
			t.Setenv(tc.env, dir)
			sock := filepath.Join(dir, tc.want)
			d := startServe(t, storetest.SQLiteURL(t), "")
			testutil.WaitFor(t, testutil.Patience, "the default socket to answer", func() bool {
				return kernelCmd(t, "status").code == 0
			})
			fi, err := os.Stat(filepath.Dir(sock))
			if err != nil || fi.Mode().Perm() != 0o700 {
				t.Fatalf("socket folder: %v, %v; want mode 0700", fi, err)
			}
			if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("socket: %v, %v; want mode 0600", fi, err)
			}
			if r := kernelCmd(t, "stop"); r.code != 0 {
				t.Fatalf("stop: %s", r)
			}
			if code := d.wait(testutil.Patience); code != 0 {
				t.Fatalf("exit %d", code)
			}
		})
	}
}
