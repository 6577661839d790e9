package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// socketClaim is a daemon's hold on its socket path: an flock on
// PATH.lock, held for the daemon's life. Asking whether something answers
// on the socket alone would let two daemons starting together both decide
// the socket was stale; the flock settles it. The kernel releases an flock
// when its process dies, so a daemon killed with -9 leaves nothing in the
// way of the next one.
type socketClaim struct {
	path string
	lock *os.File
}

// claimSocket makes the socket's folder (mode 0700), refuses when a daemon
// already serves on path, and removes a stale socket file. With private
// set (the shared temporary folder's per-user default), the folder must
// also belong to this user and be closed to others.
func claimSocket(path string, private bool) (*socketClaim, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the socket's folder: %w", err)
	}
	if private {
		if err := checkPrivateDir(dir); err != nil {
			return nil, err
		}
	}
	if conn, err := net.DialTimeout("unix", path, 2*time.Second); err == nil {
		conn.Close()
		return nil, fmt.Errorf("a kernel daemon is already serving on %s%s; stop it with 'kernel stop --socket %s'", path, holderOf(path), path)
	}
	f, err := lockFile(path + ".lock")
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, fmt.Errorf("a kernel daemon is already serving on %s%s (it is still starting or stopping)", path, holderOf(path))
	}
	if err != nil {
		return nil, fmt.Errorf("locking %s.lock: %w", path, err)
	}
	c := &socketClaim{path: path, lock: f}
	if err := c.removeStale(); err != nil {
		c.release()
		return nil, err
	}
	return c, nil
}

// lockFile opens and flocks name, and writes our pid in it. A file found
// removed or replaced once locked belonged to a daemon that was exiting:
// try again on the new one.
func lockFile(name string) (*os.File, error) {
	for range 5 {
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			return nil, err
		}
		held, err1 := f.Stat()
		onDisk, err2 := os.Stat(name)
		if err1 != nil || err2 != nil || !os.SameFile(held, onDisk) {
			f.Close()
			continue
		}
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, err
		}
		if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	return nil, errors.New("the lock file keeps being replaced")
}

// holderOf names the daemon recorded in path's lock file: " (pid 1234)".
func holderOf(path string) string {
	data, err := os.ReadFile(path + ".lock")
	if err != nil {
		return ""
	}
	pid := strings.TrimSpace(string(data))
	if _, err := strconv.Atoi(pid); err != nil {
		return ""
	}
	return " (pid " + pid + ")"
}

// removeStale removes a socket file no daemon answers on. Anything that is
// not a socket is left alone: the path was probably mistyped.
func (c *socketClaim) removeStale() error {
	fi, err := os.Lstat(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking socket path: %w", err)
	}
	if fi.Mode()&fs.ModeSocket == 0 {
		return fmt.Errorf("%s exists and is not a socket; refusing to replace it", c.path)
	}
	if err := os.Remove(c.path); err != nil {
		return fmt.Errorf("removing stale socket: %w", err)
	}
	return nil
}

// listen creates the socket with mode 0600 from the start (umask), so no
// other user can connect between its creation and a chmod.
func (c *socketClaim) listen() (net.Listener, error) {
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", c.path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", c.path, err)
	}
	if err := os.Chmod(c.path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("restricting %s to its owner: %w", c.path, err)
	}
	return ln, nil
}

// release removes the socket and the lock file, then drops the lock. The
// lock file goes while still locked, so a daemon starting meanwhile either
// fails to lock it or notices it was replaced.
func (c *socketClaim) release() {
	if c == nil || c.lock == nil {
		return
	}
	_ = os.Remove(c.path)
	_ = os.Remove(c.path + ".lock")
	c.lock.Close()
	c.lock = nil
}

// checkPrivateDir refuses a socket folder that another user owns or may
// enter: someone could otherwise stand in for the daemon.
func checkPrivateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("checking the socket's folder: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Getuid() || fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("refusing to use %s for the socket: it must be a folder of yours with mode 0700 (set XDG_RUNTIME_DIR or pass --socket)", dir)
	}
	return nil
}
