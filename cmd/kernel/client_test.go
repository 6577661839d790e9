package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ocapgo/ocap/control"
	"github.com/ocapgo/ocap/internal/testutil"
)

// TestClientBadInput sends a running daemon every kind of bad input: each
// fails with one clear line (or a JSON error over raw HTTP), the daemon keeps
// serving and its state does not change.
func TestClientBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		dir := shortDir(t)
		if err := os.Chmod(dir, 0o755); err != nil { // the socket's own mode must be what keeps others out
			t.Fatal(err)
		}
		sock := filepath.Join(dir, "k.sock")
		d := startServe(t, url, sock)
		d.waitReady()
		var launched struct {
			RootKref string `json:"rootKref"`
		}
		ok(t, sock, &launched, "launch", clusterFile(t, "hello.json"))
		before := ok(t, sock, nil, "status")

		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"send", "ko", "hello"}, `kernel send: unknown kref "ko": a kref looks like ko12 or kp7`},
			{[]string{"send", "kofoo", "hello"}, `kernel send: unknown kref "kofoo": a kref looks like ko12 or kp7`},
			{[]string{"send", "ko999999", "hello"}, `kernel send: unknown kref "ko999999": no such object or promise`},
			{[]string{"send", launched.RootKref, "hello", `{"@kref":"ko999"}`}, `kernel send: argument: unknown kref "ko999": no such object or promise`},
			{[]string{"terminate", "s99"}, `kernel terminate: unknown subcluster "s99"`},
			{[]string{"ping-vat", "v99"}, `kernel ping-vat: unknown vat "v99"`},
			{[]string{"system-root", "nope"}, `kernel system-root: no system subcluster named "nope"`},
			{[]string{"launch", "/nonexistent/cluster.json"}, "kernel launch: reading cluster config: open /nonexistent/cluster.json: no such file or directory"},
			{[]string{"launch", clusterFile(t, "malformed.json")}, "kernel launch: " + clusterFile(t, "malformed.json")},
			{[]string{"launch", clusterFile(t, "missing-source.json")}, `kernel launch: vat "alice": Could not resolve`},
		} {
			if msg := fails(t, sock, c.args...); !strings.HasPrefix(msg, c.want) {
				t.Errorf("kernel %s:\n got %q\nwant %q", strings.Join(c.args, " "), msg, c.want)
			}
		}

		// Raw HTTP: malformed bodies and unknown endpoints get a JSON error.
		for _, c := range []struct{ method, path, body, code string }{
			{"POST", "/v1/send", "{not json", control.CodeBadRequest},
			{"POST", "/v1/launch", `{"path":"relative.json"}`, control.CodeBadRequest},
			{"POST", "/v1/terminate", `{"subclusterId":1}`, control.CodeBadRequest},
			{"GET", "/v1/nope", "", control.CodeNotFound},
			{"GET", "/v1/revoke", "", control.CodeMethodNotAllowed},
			{"DELETE", "/v1/status", "", control.CodeMethodNotAllowed},
		} {
			status, body := rawRequest(t, sock, c.method, c.path, c.body)
			var er control.ErrorResponse
			if err := json.Unmarshal(body, &er); err != nil || er.Error == nil || er.Error.Code != c.code || er.Error.Message == "" || status < 400 {
				t.Errorf("%s %s %s: %d %s; want code %s", c.method, c.path, c.body, status, body, c.code)
			}
		}

		// A client without permission on the socket.
		r := asOtherUser(t, sock)
		if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "kernel status: cannot connect to the kernel daemon at "+sock+": permission denied") {
			t.Errorf("status without permission on the socket: %s", r)
		}

		if after := ok(t, sock, nil, "status"); after != before {
			t.Errorf("bad input changed the kernel:\nbefore %s\nafter  %s", before, after)
		}
		if out := ok(t, sock, nil, "send", launched.RootKref, "hello", "still"); out != `"hello still, from Bob"` {
			t.Errorf("send after bad input: %s", out)
		}
		ok(t, sock, nil, "stop")
		if code := d.wait(testutil.Patience); code != 0 {
			t.Errorf("exit %d", code)
		}
	})
}

// asOtherUser runs `kernel status` as a user who may not use the socket:
// as root, the nobody user (root itself passes every permission check);
// otherwise ourselves, with the socket's mode taken away for the while.
func asOtherUser(t *testing.T, sock string) result {
	t.Helper()
	if os.Getuid() == 0 {
		return runKernel(t, nil, &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}, "status", "--socket", sock)
	}
	if err := os.Chmod(sock, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(sock, 0o600)
	return kernelCmd(t, "status", "--socket", sock)
}

func rawRequest(t *testing.T, sock, method, path, body string) (int, []byte) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	req, err := http.NewRequestWithContext(t.Context(), method, "http://kernel"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// TestClientNoDaemon: with nothing on the socket a verb says so, and how to
// start a daemon.
func TestClientNoDaemon(t *testing.T) {
	sock := filepath.Join(shortDir(t), "none.sock")
	for _, args := range [][]string{{"status"}, {"send", "ko1", "hello"}} {
		msg := fails(t, sock, args...)
		want := "kernel " + args[0] + ": no kernel daemon at " + sock + ": start one with 'kernel serve'"
		if msg != want {
			t.Errorf("kernel %s with no daemon:\n got %q\nwant %q", args[0], msg, want)
		}
	}
	// Stopping what is not running succeeds, saying so.
	var stdout, stderr bytes.Buffer
	code := run([]string{"stop", "--socket", sock}, &stdout, &stderr)
	want := `{"stopped":true,"note":"no kernel daemon at ` + sock + `"}` + "\n"
	if code != 0 || stdout.String() != want {
		t.Errorf("kernel stop with no daemon: exit %d, stdout %q, stderr %q; want exit 0, %q", code, stdout.String(), stderr.String(), want)
	}
}

// TestClientUsage: a wrong flag or a missing argument prints the usage line
// and exits 2; --help prints usage with an example and exits 0. No daemon
// is needed for any of it.
func TestClientUsage(t *testing.T) {
	for _, args := range [][]string{
		{"send"},
		{"send", "ko1"},
		{"send", "--timeout", "soon", "ko1", "hello"},
		{"send", "--bogus", "ko1", "hello"},
		{"launch"},
		{"launch", "a.json", "b.json"},
		{"status", "--output", "xml"},
		{"status", "extra"},
		{"subclusters", "--verbose"},
		{"system-root"},
		{"terminate"},
		{"ping-vat"},
		{"stop", "now"},
		{"serve", "--system", "nameless.json"},
		{"serve", "--system", "a=x.json", "--system", "a=y.json"},
		{"serve", "--log-level", "loud"},
		{"serve", "extra"},
		{"status", "--socket"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 2 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "\nusage: kernel "+args[0]+" ") {
			t.Errorf("kernel %s: exit %d, stdout %q, stderr %q; want exit 2 and the usage line", strings.Join(args, " "), code, stdout.String(), stderr.String())
		}
	}

	var stderr, help bytes.Buffer
	if code := run([]string{"--help"}, &help, &stderr); code != 0 {
		t.Errorf("kernel --help: exit %d", code)
	}
	for _, v := range []string{"serve", "launch", "send", "status", "subclusters", "system-root", "terminate", "ping-vat", "stop"} {
		if !strings.Contains(help.String(), "\n  kernel "+v+" ") {
			t.Errorf("kernel --help does not list %s:\n%s", v, help.String())
		}
		var stdout bytes.Buffer
		if code := run([]string{v, "--help"}, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "usage: kernel "+v) || !strings.Contains(stdout.String(), "example:\n  kernel "+v) {
			t.Errorf("kernel %s --help: exit %d\n%s", v, code, stdout.String())
		}
	}
	if stderr.Len() != 0 {
		t.Errorf("help went to stderr: %q", stderr.String())
	}
}

func TestJSONArgsForSend(t *testing.T) {
	got := jsonArgs([]string{"world", "42", `"quoted"`, `{"@kref":"ko3"}`, "-x", "[1,"})
	want := []string{`"world"`, `42`, `"quoted"`, `{"@kref":"ko3"}`, `"-x"`, `"[1,"`}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("arg %d: %s, want %s", i, got[i], want[i])
		}
	}
}
