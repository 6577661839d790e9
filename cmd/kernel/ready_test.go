package main

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/store/storetest"
)

// get returns the status code and body of GET http://addr/path.
func get(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	c := http.Client{Timeout: testutil.Patience}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// notifications listens where $NOTIFY_SOCKET points, as systemd does, and
// returns the datagrams the daemon sends.
func notifications(t *testing.T) <-chan string {
	t.Helper()
	path := filepath.Join(shortDir(t), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	got := make(chan string, 8)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			got <- string(buf[:n])
		}
	}()
	return got
}

func receive(t *testing.T, ch <-chan string) string {
	t.Helper()
	var msg string
	testutil.WaitFor(t, testutil.Patience, "a notification", func() bool {
		select {
		case msg = <-ch:
			return true
		default:
			return false
		}
	})
	return msg
}

// A daemon says when it is ready: kernel status --wait returns then,
// systemd hears READY=1, /readyz answers 200. Before, only /healthz does.
func TestServeReadiness(t *testing.T) {
	sock := filepath.Join(shortDir(t), "k.sock")
	if r := kernelCmd(t, "status", "--socket", sock, "--wait=300ms"); r.code != 1 || !strings.Contains(r.stderr, "not ready after 300ms: no kernel daemon") {
		t.Fatalf("status --wait with no daemon: %s", r)
	}
	if r := kernelCmd(t, "status", "--socket", sock, "--wait=soon"); r.code != 2 {
		t.Fatalf("status --wait=soon: %s", r)
	}

	// A daemon that never gets ready: healthy, not ready.
	notes := notifications(t)
	addr := freeAddr(t)
	d := startServe(t, storetest.SQLiteURL(t), sock, "--metrics-addr", addr, "--system", "spin="+clusterFile(t, "control/spin.json"))
	testutil.WaitFor(t, testutil.Patience, "the daemon to answer STARTING", func() bool {
		return strings.Contains(kernelCmd(t, "status", "--socket", sock).stderr, "the kernel is starting")
	})
	if r := kernelCmd(t, "status", "--socket", sock, "--wait=300ms"); r.code != 1 || !strings.Contains(r.stderr, "not ready after 300ms") || !strings.Contains(r.stderr, "starting") {
		t.Fatalf("status --wait on a daemon still starting: %s", r)
	}
	if code, _ := get(t, addr, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz while starting: %d", code)
	}
	if code, _ := get(t, addr, "/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz while starting: %d", code)
	}
	ok(t, sock, nil, "stop")
	d.wait(testutil.Patience)
	if msg := receive(t, notes); msg != "STOPPING=1" {
		t.Fatalf("a daemon stopped before it was ready sent %q", msg)
	}

	// One that gets ready.
	d = startServe(t, storetest.SQLiteURL(t), sock, "--metrics-addr", addr, "--system", "hello="+clusterFile(t, "hello.json"))
	var st statusJSON
	ok(t, sock, &st, "status", "--wait")
	if len(st.Subclusters) != 1 {
		t.Fatalf("status --wait: %+v", st)
	}
	if msg := receive(t, notes); msg != "READY=1\nMAINPID="+strconv.Itoa(d.pid()) {
		t.Fatalf("the daemon told systemd %q", msg)
	}
	if code, body := get(t, addr, "/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Fatalf("/readyz once ready: %d %q", code, body)
	}
	ok(t, sock, nil, "stop")
	if msg := receive(t, notes); msg != "STOPPING=1" {
		t.Fatalf("the daemon told systemd %q when stopping", msg)
	}
}
