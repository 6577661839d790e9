package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
)

// TestServeRestoreOnDemand: a daemon started with --restore-on-demand over
// a store with a subcluster starts no worker; its vats show as dormant, and
// each starts, from its baggage, at its first delivery.
func TestServeRestoreOnDemand(t *testing.T) {
	t.Parallel()
	url := "sqlite://" + filepath.Join(t.TempDir(), "k.db")
	sock := filepath.Join(shortDir(t), "k.sock")
	d := startServe(t, url, sock, "--system", "hello="+clusterFile(t, "hello.json"))
	d.waitReady()
	var root string
	ok(t, sock, &root, "system-root", "hello")
	if out := ok(t, sock, nil, "send", root, "counts"); out != `{"bootstraps":1,"starts":1}` {
		t.Fatalf("counts at start: %s", out)
	}
	ok(t, sock, nil, "stop")
	if code := d.wait(testutil.Patience); code != 0 {
		t.Fatalf("exit %d", code)
	}

	d = startServe(t, url, sock, "--system", "hello="+clusterFile(t, "hello.json"), "--restore-on-demand")
	d.waitReady()
	type vats struct {
		Vats []struct {
			ID      string `json:"id"`
			PID     int    `json:"pid"`
			Dormant bool   `json:"dormant"`
		} `json:"vats"`
	}
	// status decodes a fresh status: "dormant" is left out when false.
	status := func() (st vats) { ok(t, sock, &st, "status"); return st }
	st := status()
	if len(st.Vats) != 2 || !st.Vats[0].Dormant || !st.Vats[1].Dormant || st.Vats[0].PID+st.Vats[1].PID != 0 {
		t.Fatalf("vats of an on-demand restore: %+v", st.Vats)
	}
	if r := kernelCmd(t, "status", "--socket", sock, "--output", "table"); r.code != 0 || strings.Count(r.stdout, "dormant") != 2 {
		t.Fatalf("status --output table of dormant vats: %s", r)
	}
	// alice (v1) starts for this message, once, without a second bootstrap.
	if out := ok(t, sock, nil, "send", root, "counts"); out != `{"bootstraps":1,"starts":2}` {
		t.Fatalf("counts after an on-demand restore: %s", out)
	}
	st = status()
	if st.Vats[0].Dormant || st.Vats[0].PID == 0 || !st.Vats[1].Dormant {
		t.Fatalf("vats after a message to alice: %+v", st.Vats)
	}
	// bob (v2) starts when alice's send reaches him.
	if out := ok(t, sock, nil, "send", root, "hello", "x"); out != `"hello x, from Bob"` {
		t.Fatalf("hello through alice: %s", out)
	}
	st = status()
	if st.Vats[1].Dormant || st.Vats[1].PID == 0 {
		t.Fatalf("vats after a message to bob: %+v", st.Vats)
	}
	ok(t, sock, nil, "stop")
	if code := d.wait(testutil.Patience); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
