package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/control"
	"github.com/ocapgo/ocap/internal/testutil"
)

// TestClientRevokeRestartReset drives revoke, revoked, restart-vat and reset
// through a real daemon running the hello cluster as a system subcluster.
func TestClientRevokeRestartReset(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		sock := filepath.Join(shortDir(t), "k.sock")
		d := startServe(t, url, sock, "--system", "hello="+clusterFile(t, "hello.json"))
		d.waitReady()
		var root string
		ok(t, sock, &root, "system-root", "hello")
		if r := kernelCmd(t, "system-root", "--socket", sock, "--raw", "hello"); r.code != 0 || r.stdout != root+"\n" {
			t.Fatalf("system-root --raw: %s; want %q", r, root)
		}
		if out := ok(t, sock, nil, "send", root, "counts"); out != `{"bootstraps":1,"starts":1}` {
			t.Fatalf("counts at start: %s", out)
		}

		// restart-vat: bob (v2) still greets; alice (v1) starts once more
		// from her baggage, in a new worker, without a second bootstrap.
		var first statusJSON
		ok(t, sock, &first, "status")
		if len(first.Vats) != 2 {
			t.Fatalf("vats at start: %+v", first.Vats)
		}
		if out := ok(t, sock, nil, "restart-vat", "v2"); out != `{"vatId":"v2","restarted":true}` {
			t.Fatalf("restart-vat v2: %s", out)
		}
		if out := ok(t, sock, nil, "send", root, "hello", "x"); out != `"hello x, from Bob"` {
			t.Fatalf("hello after restarting bob: %s", out)
		}
		var before statusJSON
		ok(t, sock, &before, "status")
		if out := ok(t, sock, nil, "restart-vat", "v1"); out != `{"vatId":"v1","restarted":true}` {
			t.Fatalf("restart-vat v1: %s", out)
		}
		if out := ok(t, sock, nil, "send", root, "counts"); out != `{"bootstraps":1,"starts":2}` {
			t.Fatalf("counts after restarting alice: %s", out)
		}
		var after statusJSON
		ok(t, sock, &after, "status")
		if len(after.Vats) != 2 || after.Vats[0].ID != "v1" || after.Vats[0].PID == 0 || after.Vats[0].PID == before.Vats[0].PID {
			t.Errorf("alice's worker after restart-vat v1: before %+v, after %+v", before.Vats, after.Vats)
		}
		if msg := fails(t, sock, "restart-vat", "v99"); msg != `kernel restart-vat: unknown vat "v99"` {
			t.Errorf("restart-vat v99: %q", msg)
		}

		// revoke bob's root, as alice hands it out.
		var bob struct {
			Kref  string `json:"@kref"`
			Iface string `json:"@iface"`
		}
		out := ok(t, sock, &bob, "send", root, "getBob")
		if !strings.HasPrefix(out, `{"@kref":"ko`) || bob.Iface != "Alleged: root" || bob.Kref == root {
			t.Fatalf("getBob: %s", out)
		}
		if out := ok(t, sock, nil, "revoked", bob.Kref); out != "false" {
			t.Fatalf("revoked %s before revoke: %s", bob.Kref, out)
		}
		want := `{"kref":"` + bob.Kref + `","revoked":true}`
		for range 2 { // revoking twice is not an error
			if out := ok(t, sock, nil, "revoke", bob.Kref); out != want {
				t.Fatalf("revoke %s: %s, want %s", bob.Kref, out, want)
			}
		}
		if out := ok(t, sock, nil, "revoked", bob.Kref); out != "true" {
			t.Fatalf("revoked %s after revoke: %s", bob.Kref, out)
		}
		if out := ok(t, sock, nil, "revoked", root); out != "false" {
			t.Fatalf("revoked %s (alice, not revoked): %s", root, out)
		}
		msg := fails(t, sock, "send", root, "hello", "x")
		if want := "[KERNEL:OBJECT_REVOKED] object " + bob.Kref + " has been revoked"; !strings.Contains(msg, want) {
			t.Errorf("hello through revoked bob: %q; want it to contain %q", msg, want)
		}

		for _, c := range []struct{ kref, why string }{
			{"ko", "a kref looks like ko12 or kp7"},
			{"kofoo", "a kref looks like ko12 or kp7"},
			{"ko999999", "no such object or promise"},
		} {
			for _, v := range []string{"revoke", "revoked"} {
				want := "kernel " + v + `: unknown kref "` + c.kref + `": ` + c.why
				if msg := fails(t, sock, v, c.kref); msg != want {
					t.Errorf("kernel %s %s:\n got %q\nwant %q", v, c.kref, msg, want)
				}
			}
		}

		// Raw HTTP: missing fields and wrong methods.
		for _, c := range []struct{ method, path, body, code string }{
			{"POST", control.PathRevoke, `{}`, control.CodeBadRequest},
			{"POST", control.PathRevoke, `{"kref":"ko2","extra":1}`, control.CodeBadRequest},
			{"GET", control.PathRevoked, "", control.CodeBadRequest},
			{"POST", control.PathRevoked, `{"kref":"ko2"}`, control.CodeMethodNotAllowed},
			{"POST", control.PathRestartVat, `{}`, control.CodeBadRequest},
			{"GET", control.PathReset, "", control.CodeMethodNotAllowed},
		} {
			status, body := rawRequest(t, sock, c.method, c.path, c.body)
			var er control.ErrorResponse
			if err := json.Unmarshal(body, &er); err != nil || er.Error == nil || er.Error.Code != c.code || er.Error.Message == "" || status < 400 {
				t.Errorf("%s %s %s: %d %s; want code %s", c.method, c.path, c.body, status, body, c.code)
			}
		}

		// reset: every worker stopped, no vat, no subcluster; the daemon
		// keeps serving. The workers restart-vat replaced exit by
		// themselves, maybe only now.
		replaced := []int{first.Vats[0].PID, first.Vats[1].PID}
		testutil.WaitFor(t, testutil.Patience, "the workers restart-vat replaced to exit", func() bool { return allGone(replaced) })
		workers := d.workers()
		if len(workers) != 2 {
			t.Fatalf("workers before reset: %v", workers)
		}
		if out := ok(t, sock, nil, "reset", "--yes"); out != `{"reset":true}` {
			t.Fatalf("reset: %s", out)
		}
		testutil.WaitFor(t, testutil.Patience, "the workers to exit after reset", func() bool { return allGone(workers) })
		var st statusJSON
		ok(t, sock, &st, "status")
		if len(st.Vats) != 0 || len(st.Subclusters) != 0 {
			t.Fatalf("status after reset: %+v", st)
		}
		if msg := fails(t, sock, "send", root, "hello", "x"); !strings.Contains(msg, `unknown kref "`+root+`"`) {
			t.Errorf("send to the old root after reset: %q", msg)
		}
		var launched struct {
			RootKref string `json:"rootKref"`
		}
		ok(t, sock, &launched, "launch", clusterFile(t, "hello.json"))
		if out := ok(t, sock, nil, "send", launched.RootKref, "hello", "again"); out != `"hello again, from Bob"` {
			t.Fatalf("hello after reset and launch: %s", out)
		}
		// terminate-vat: bob ends, his worker with him; alice hears why.
		var relaunched statusJSON
		ok(t, sock, &relaunched, "status")
		bobID, bobPID := relaunched.Vats[1].ID, relaunched.Vats[1].PID
		if out := ok(t, sock, nil, "terminate-vat", bobID); out != `{"vatId":"`+bobID+`","terminated":true}` {
			t.Fatalf("terminate-vat %s: %s", bobID, out)
		}
		if !allGone([]int{bobPID}) {
			t.Errorf("bob's worker %d outlived terminate-vat", bobPID)
		}
		if msg := fails(t, sock, "send", launched.RootKref, "hello", "x"); !strings.Contains(msg, "[KERNEL:VAT_TERMINATED] vat "+bobID+" was terminated") {
			t.Errorf("hello through terminated bob: %q", msg)
		}
		if msg := fails(t, sock, "terminate-vat", bobID); msg != `kernel terminate-vat: unknown vat "`+bobID+`"` {
			t.Errorf("terminate-vat %s again: %q", bobID, msg)
		}
		ok(t, sock, nil, "stop")
		if code := d.wait(testutil.Patience); code != 0 {
			t.Errorf("exit %d", code)
		}
	})
}

// TestClientRevokeUsage: a missing or extra argument exits 2 with the usage
// line; --help shows an example; kernel --help lists the verbs.
func TestClientRevokeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"revoke"},
		{"revoke", "ko1", "ko2"},
		{"revoked"},
		{"revoked", "ko1", "extra"},
		{"restart-vat"},
		{"restart-vat", "v1", "v2"},
		{"terminate-vat"},
		{"reset", "now"},
		{"reset", "--force"},
		{"reset"}, // nothing is wiped without --yes
	} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 2 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "\nusage: kernel "+args[0]+" ") {
			t.Errorf("kernel %s: exit %d, stdout %q, stderr %q; want exit 2 and the usage line", strings.Join(args, " "), code, stdout.String(), stderr.String())
		}
	}
	var stderr, help bytes.Buffer
	run([]string{"--help"}, &help, &stderr)
	for _, v := range []string{"revoke", "revoked", "restart-vat", "terminate-vat", "reset"} {
		if !strings.Contains(help.String(), "\n  kernel "+v+" ") {
			t.Errorf("kernel --help does not list %s", v)
		}
		var stdout bytes.Buffer
		if code := run([]string{v, "--help"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "example:\n  kernel "+v+" ") {
			t.Errorf("kernel %s --help: exit %d\n%s", v, code, stdout.String())
		}
	}
	var stdout bytes.Buffer
	run([]string{"reset", "--help"}, &stdout, &stderr)
	if s := stdout.String(); !strings.Contains(s, "debugging") || !strings.Contains(s, "wipe all kernel state") {
		t.Errorf("kernel reset --help does not say it is for debugging and wipes all state:\n%s", s)
	}
	if stderr.Len() != 0 {
		t.Errorf("help went to stderr: %q", stderr.String())
	}
}
