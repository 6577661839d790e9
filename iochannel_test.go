package ocap

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRemoveStaleSocketSparesLiveListeners(t *testing.T) {
	dir := t.TempDir()

	live := filepath.Join(dir, "live.sock")
	l, err := net.Listen("unix", live)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := removeStaleSocket(live); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("a live socket: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Fatalf("the live socket was unlinked: %v", err)
	}

	stale := filepath.Join(dir, "stale.sock")
	sl, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	sl.(*net.UnixListener).SetUnlinkOnClose(false)
	sl.Close()
	if err := removeStaleSocket(stale); err != nil {
		t.Fatalf("a stale socket: %v", err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("the stale socket is still there: %v", err)
	}

	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := removeStaleSocket(file); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("a regular file: %v", err)
	}
	if err := removeStaleSocket(filepath.Join(dir, "absent.sock")); err != nil {
		t.Fatalf("no file: %v", err)
	}
}
