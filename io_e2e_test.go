package ocap_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocapgo/ocap"
)

func TestIOChannels(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "in.txt"), []byte("first line\nsecond line\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		vat, err := filepath.Abs("testdata/vats/service-user.js")
		if err != nil {
			t.Fatal(err)
		}
		sock := filepath.Join(dir, "chan.sock")
		raw, _ := json.Marshal(map[string]any{
			"bootstrap": "user",
			"io": map[string]any{
				"input":  map[string]any{"type": "file", "path": "in.txt", "direction": "in"},
				"output": map[string]any{"type": "file", "path": "out.txt", "direction": "out"},
				"sock":   map[string]any{"type": "socket", "path": sock},
			},
			"vats": map[string]any{"user": map[string]any{"sourceSpec": vat}},
		})
		cfg, err := ocap.ParseClusterConfig(raw, dir)
		if err != nil {
			t.Fatal(err)
		}
		e := startKernel(t, url, ocap.Options{})
		res, err := e.k.LaunchSubcluster(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := mustDecode(t, res.BootstrapResult); got != "input,output,sock" {
			t.Fatalf("bootstrap got services %v", got)
		}
		root := res.RootKref
		for _, want := range []any{"first line", "second line", nil} {
			if got := e.mustCall(root, "call", "input", "read"); got != want {
				t.Fatalf("input.read() = %#v, want %#v", got, want)
			}
		}
		e.mustCall(root, "call", "output", "write", "written by a vat")
		if b, _ := os.ReadFile(filepath.Join(dir, "out.txt")); string(b) != "written by a vat\n" {
			t.Fatalf("out.txt = %q", b)
		}
		got := e.mustCall(root, "tryCall", "input", "write", "x").(map[string]any)
		if !strings.Contains(got["message"].(string), "input only") {
			t.Fatalf("writing to an input channel: %v", got)
		}

		// A client on the unix socket talks with the vat.
		reply := make(chan any, 1)
		go func() { v, _ := e.call(root, "call", "sock", "read"); reply <- v }()
		var conn net.Conn
		waitFor(t, 5*time.Second, "the channel's socket", func() bool {
			conn, err = net.Dial("unix", sock)
			return err == nil
		})
		defer conn.Close()
		if _, err := conn.Write([]byte("hello vat\n")); err != nil {
			t.Fatal(err)
		}
		select {
		case v := <-reply:
			if v != "hello vat" {
				t.Fatalf("sock.read() = %v", v)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the vat never read the client's line")
		}
		e.mustCall(root, "call", "sock", "write", "hello client")
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil || line != "hello client\n" {
			t.Fatalf("client read %q, %v", line, err)
		}

		// Terminating the subcluster closes its channels.
		if err := e.k.TerminateSubcluster(context.Background(), res.SubclusterID); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := conn.Read(make([]byte, 1)); err == nil {
			t.Fatal("the socket channel's client is still connected after terminate")
		}
		if _, err := os.Stat(sock); !os.IsNotExist(err) {
			t.Fatalf("socket file left after terminate: %v", err)
		}
	})
}
