package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
)

// TestServeMemoryBomb: a vat that allocates without end is stopped by its
// worker's memory cap (the kernel's --worker-memory, or its own
// creationOptions.memoryLimit) and terminated at its first death, naming
// the limit; a bystander keeps answering, and the daemon restarts on the
// store afterwards.
func TestServeMemoryBomb(t *testing.T) {
	url := "sqlite://" + filepath.Join(t.TempDir(), "kernel.db")
	sock := filepath.Join(shortDir(t), "k.sock")
	sys := "hello=" + clusterFile(t, "hello.json")
	d := startServe(t, url, sock, "--system", sys, "--worker-memory", "160MiB")
	d.waitReady()
	var hello string
	ok(t, sock, &hello, "system-root", "hello")

	for cluster, reason := range map[string]string{
		"memory-bomb.json":       "vat exceeded its memory limit (160 MiB)",
		"memory-bomb-small.json": "vat exceeded its memory limit (128 MiB)",
	} {
		var launched struct {
			RootKref string `json:"rootKref"`
		}
		ok(t, sock, &launched, "launch", clusterFile(t, cluster))
		if out := ok(t, sock, nil, "send", launched.RootKref, "alive"); out != `"alive"` {
			t.Fatalf("%s: alive: %s", cluster, out)
		}
		msg := fails(t, sock, "send", launched.RootKref, "grow")
		if !strings.Contains(msg, "VAT_TERMINATED") || !strings.Contains(msg, reason) {
			t.Fatalf("%s: grow: %q; want VAT_TERMINATED with %q", cluster, msg, reason)
		}
		if out := ok(t, sock, nil, "send", hello, "hello", "world"); out != `"hello world, from Bob"` {
			t.Fatalf("bystander after %s: %s", cluster, out)
		}
	}
	var st statusJSON
	ok(t, sock, &st, "status")
	if len(st.Vats) != 2 {
		t.Fatalf("status after the bombs lists %d vats, want the bystander's 2: %+v", len(st.Vats), st.Vats)
	}
	if strings.Count(d.stderr.String(), "restarting the vat") != 0 {
		t.Errorf("a bomb's worker was restarted:\n%s", d.stderr.String())
	}

	workers := d.workers()
	ok(t, sock, nil, "stop")
	if code := d.wait(testutil.Patience); code != 0 {
		t.Fatalf("exit %d after stop", code)
	}
	testutil.WaitFor(t, testutil.Patience, "every worker to exit", func() bool { return allGone(workers) })
	d2 := startServe(t, url, sock, "--system", sys, "--worker-memory", "160MiB")
	d2.waitReady()
	if out := ok(t, sock, nil, "send", hello, "hello", "again"); out != `"hello again, from Bob"` {
		t.Fatalf("bystander after a restart: %s", out)
	}
}
