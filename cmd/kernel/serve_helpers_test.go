package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ocapgo/ocap/internal/testutil"
)

// The end-to-end tests run the kernel binary as real processes: `serve`
// in the background, the client verbs in the foreground.

var kernelBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if kernelBin.dir != "" {
		os.RemoveAll(kernelBin.dir)
	}
	os.Exit(code)
}

// kernelPath builds the kernel binary once per test process, into a folder
// every user may read: the permission test runs it as another user.
func kernelPath(t *testing.T) string {
	t.Helper()
	kernelBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "ocap-kernel-bin")
		if err != nil {
			kernelBin.err = err
			return
		}
		kernelBin.dir = dir
		if err := os.Chmod(dir, 0o755); err != nil {
			kernelBin.err = err
			return
		}
		path := filepath.Join(dir, "kernel")
		out, err := exec.Command("go", "build", "-o", path, ".").CombinedOutput()
		if err != nil {
			kernelBin.err = errors.New("go build ./cmd/kernel: " + err.Error() + "\n" + string(out))
			return
		}
		kernelBin.path = path
	})
	if kernelBin.err != nil {
		t.Fatal(kernelBin.err)
	}
	return kernelBin.path
}

var forEachStore = testutil.ForEachStore

// shortDir is a temporary folder with a short path: socket paths are
// limited to about 100 bytes, and test names make t.TempDir() long.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "srv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func clusterFile(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", "clusters", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// result is what one run of the kernel command left.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\nstdout: " + r.stdout + "\nstderr: " + r.stderr
}

// kernelCmd runs `kernel args...` to completion with the test's environment.
func kernelCmd(t *testing.T, args ...string) result {
	t.Helper()
	return runKernel(t, nil, nil, args...)
}

// runKernel runs the kernel command with extra environment and process
// attributes (nil: none).
func runKernel(t *testing.T, env []string, attr *syscall.SysProcAttr, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kernelPath(t), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = attr
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("kernel %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// ok runs a client verb against socket, requires exit 0, nothing but JSON
// on stdout, and decodes it into out (when not nil). It returns stdout.
func ok(t *testing.T, socket string, out any, args ...string) string {
	t.Helper()
	r := kernelCmd(t, append(args[:1:1], append([]string{"--socket", socket}, args[1:]...)...)...)
	if r.code != 0 {
		t.Fatalf("kernel %s: %s", strings.Join(args, " "), r)
	}
	if strings.Count(r.stdout, "\n") != 1 || !json.Valid([]byte(r.stdout)) {
		t.Fatalf("kernel %s: stdout is not one line of JSON: %q", strings.Join(args, " "), r.stdout)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(r.stdout), out); err != nil {
			t.Fatalf("kernel %s: decoding %q: %v", strings.Join(args, " "), r.stdout, err)
		}
	}
	return strings.TrimSpace(r.stdout)
}

// fails runs a client verb that must fail with exit 1, nothing on stdout and
// one line on stderr, which it returns.
func fails(t *testing.T, socket string, args ...string) string {
	t.Helper()
	r := kernelCmd(t, append(args[:1:1], append([]string{"--socket", socket}, args[1:]...)...)...)
	if r.code != 1 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "kernel "+args[0]+": ") {
		t.Fatalf("kernel %s: want exit 1 with one line on stderr, got %s", strings.Join(args, " "), r)
	}
	return strings.TrimSpace(r.stderr)
}

// serveProc is a running `kernel serve`.
type serveProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	socket string
	stdout bytes.Buffer
	stderr syncBuffer
	done   chan struct{}
	code   int
}

// startServe starts `kernel serve --db url --socket socket args...` (no
// --socket when socket is "") and returns without waiting for it to be
// ready. The test kills it at the end if it is still running.
func startServe(t *testing.T, url, socket string, args ...string) *serveProc {
	t.Helper()
	d := &serveProc{t: t, url: url, socket: socket, done: make(chan struct{})}
	// No spare workers: the tests count a daemon's workers exactly.
	flags := []string{"serve", "--db", url, "--spare-workers", "0"}
	if socket != "" {
		flags = append(flags, "--socket", socket)
	}
	d.cmd = exec.Command(kernelPath(t), append(flags, args...)...)
	d.cmd.Env = append(os.Environ(), "OCAP_WORKER_PATH="+testutil.WorkerPath(t))
	d.cmd.Stdout, d.cmd.Stderr = &d.stdout, &d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("starting kernel serve: %v", err)
	}
	go func() {
		err := d.cmd.Wait()
		d.code = d.cmd.ProcessState.ExitCode()
		if err != nil && d.code == 0 {
			d.code = -1
		}
		close(d.done)
	}()
	t.Cleanup(func() {
		select {
		case <-d.done:
		default:
			_ = d.cmd.Process.Kill()
			<-d.done
		}
		if t.Failed() {
			t.Logf("kernel serve stderr:\n%s", d.stderr.String())
		}
	})
	return d
}

func (d *serveProc) pid() int { return d.cmd.Process.Pid }

// waitReady polls `kernel status` until it succeeds. Before that it may
// only say that no daemon answers yet or that the daemon is starting.
func (d *serveProc) waitReady() {
	d.t.Helper()
	deadline := time.Now().Add(testutil.Patience)
	for {
		r := kernelCmd(d.t, "status", "--socket", d.socket)
		if r.code == 0 {
			return
		}
		if !strings.Contains(r.stderr, "no kernel daemon at") && !strings.Contains(r.stderr, "the kernel is starting") {
			d.t.Fatalf("status while the daemon starts: %s", r)
		}
		select {
		case <-d.done:
			d.t.Fatalf("kernel serve exited with %d before it was ready:\n%s", d.code, d.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("kernel serve not ready after %v:\n%s", testutil.Patience, d.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wait waits for the daemon to exit and returns its exit code.
func (d *serveProc) wait(limit time.Duration) int {
	d.t.Helper()
	select {
	case <-d.done:
		return d.code
	case <-time.After(limit):
		d.t.Fatalf("kernel serve still running after %v:\n%s", limit, d.stderr.String())
		return 0
	}
}

// kill9 kills the daemon with SIGKILL and waits until it is gone. The
// next daemon's store waits for a dead kernel's lock to go by itself.
func (d *serveProc) kill9() {
	d.t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		d.t.Fatalf("kill -9 kernel serve: %v", err)
	}
	d.wait(testutil.Patience)
}

// workers lists the live vat-worker processes whose parent is the daemon.
func (d *serveProc) workers() []int {
	return testutil.WorkerChildren(d.pid())
}

var allGone = testutil.AllGone

type syncBuffer = testutil.SyncBuffer
