package ocap_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
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
		waitFor(t, patience, "the channel's socket", func() bool {
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
		case <-time.After(patience):
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
		// The deadline only stops a hang: the read must end because the
		// kernel closed the connection.
		_ = conn.SetReadDeadline(time.Now().Add(patience))
		var ne net.Error
		if _, err := conn.Read(make([]byte, 1)); err == nil || errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the socket channel's client is still connected after terminate: %v", err)
		}
		if _, err := os.Stat(sock); !os.IsNotExist(err) {
			t.Fatalf("socket file left after terminate: %v", err)
		}
	})
}

// An io channel belongs to its subcluster: another config cannot reach it
// by naming it, while its own config may list it among its services.
func TestIOChannelsBelongToTheirSubcluster(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret of s1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		vat, err := filepath.Abs("testdata/vats/service-user.js")
		if err != nil {
			t.Fatal(err)
		}
		config := func(io map[string]any, services ...string) *ocap.ClusterConfig {
			t.Helper()
			c := map[string]any{
				"bootstrap": "user",
				"vats":      map[string]any{"user": map[string]any{"sourceSpec": vat}},
				"services":  services,
			}
			if io != nil {
				c["io"] = io
			}
			raw, _ := json.Marshal(c)
			cfg, err := ocap.ParseClusterConfig(raw, dir)
			if err != nil {
				t.Fatal(err)
			}
			return cfg
		}
		e := startKernel(t, url, ocap.Options{})
		owner, err := e.k.LaunchSubcluster(context.Background(),
			config(map[string]any{"input": map[string]any{"type": "file", "path": "secret.txt"}}, "input"))
		if err != nil {
			t.Fatalf("a config listing its own io entry as a service: %v", err)
		}
		if got := mustDecode(t, owner.BootstrapResult); got != "input" {
			t.Fatalf("the owner's bootstrap got services %v", got)
		}
		for _, name := range []string{"io." + owner.SubclusterID + ".input", "input"} {
			_, err := e.k.LaunchSubcluster(context.Background(), config(nil, name))
			if err == nil || !strings.Contains(err.Error(), `unknown kernel service "`+name+`"`) {
				t.Fatalf("a second subcluster naming %q: %v", name, err)
			}
		}
		st, err := e.k.GetStatus(context.Background())
		if err != nil || len(st.Subclusters) != 1 {
			t.Fatalf("refused launches left subclusters behind: %+v, %v", st, err)
		}
		e.restart()
		if got := e.mustCall(owner.RootKref, "call", "input", "read"); got != "secret of s1" {
			t.Fatalf("the owner reading its channel after a restart: %v", got)
		}
		if _, err := e.k.LaunchSubcluster(context.Background(), config(nil, "io."+owner.SubclusterID+".input")); err == nil {
			t.Fatal("after a restart, a second subcluster reached the channel by name")
		}
	})
}
