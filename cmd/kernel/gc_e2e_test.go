package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/store"
)

// TestKill9DuringGCKeepsCounts kills the daemon with SIGKILL while one vat
// makes exos that another drops (every crank changes reference counts and
// the GC queue), and checks each time, with kernel check on the dead
// kernel's store, that every stored count matches the tables; the restarted
// kernel carries on, and what was dropped was collected.
func TestKill9DuringGCKeepsCounts(t *testing.T) {
	const kills = 4
	forEachStore(t, func(t *testing.T, url string) {
		sock := filepath.Join(shortDir(t), "k.sock")
		sys := "soak=" + clusterFile(t, "soak.json")
		d := startServe(t, url, sock, "--system", sys)
		d.waitReady()
		var root string
		ok(t, sock, &root, "system-root", "soak")
		for i := 1; i <= kills; i++ {
			// The call dies with the daemon; its outcome does not matter.
			ctx, cancel := context.WithCancel(context.Background())
			send := exec.CommandContext(ctx, kernelPath(t), "send", "--socket", sock, root, "passThings", "100000")
			if err := send.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(300+200*i) * time.Millisecond)
			d.kill9()
			cancel()
			_ = send.Wait()
			if r := kernelCmd(t, "check", "--db", url); r.code != 0 || !strings.Contains(r.stdout, `"ok":true`) {
				t.Fatalf("kernel check after kill %d: %s", i, r)
			}
			d = startServe(t, url, sock, "--system", sys)
			d.waitReady()
		}
		// A last round to the end: 2,000 more exos, of which only what
		// the last reap did not reach may stay.
		ok(t, sock, nil, "send", root, "passThings", "2000")
		ok(t, sock, nil, "stop")
		d.wait(testutil.Patience)
		if r := kernelCmd(t, "check", "--db", url); r.code != 0 {
			t.Fatalf("kernel check after the run: %s", r)
		}
		db, err := store.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		objects := 0
		err = db.Scan(context.Background(), "o.", func(key, _ string) error {
			if strings.Count(key, ".") == 1 {
				objects++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Two roots, the kernel facet, what the last reap did not reach, and
		// the imports of workers the kills replaced (see the README).
		if objects > 500 {
			t.Fatalf("%d objects remain after thousands of exos were dropped", objects)
		}
	})
}
