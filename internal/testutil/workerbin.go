// Package testutil holds helpers shared by the tests of the kernel ⇄ worker
// boundary: the vat-worker binary, a fake vat runtime, a test logger and
// polling helpers.
package testutil

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var workerBin struct {
	once sync.Once
	path string
	err  error
}

// RaceWorkerPath returns a race-built vat-worker for the tests that check
// the worker's own concurrency in real use: $OCAP_RACE_WORKER_PATH if set
// (make test sets it), else WorkerPath. Race-built goja is several times
// slower, so the other tests run plain workers.
func RaceWorkerPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("OCAP_RACE_WORKER_PATH"); p != "" {
		return p
	}
	return WorkerPath(t)
}

// WorkerPath returns the vat-worker binary for tests: $OCAP_WORKER_PATH if
// set, else ./cmd/vat-worker built once per test process. The build goes to
// a per-user cache folder named after the module root, so that later runs
// reuse it (go build skips linking when it is up to date) and nothing piles
// up in the temp folder.
func WorkerPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("OCAP_WORKER_PATH"); p != "" {
		return p
	}
	workerBin.once.Do(func() { workerBin.path, workerBin.err = buildWorker() })
	if workerBin.err != nil {
		t.Fatalf("building vat-worker: %v", workerBin.err)
	}
	return workerBin.path
}

func buildWorker() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the module (go env GOMOD says %q)", gomod)
	}
	root := filepath.Dir(gomod)

	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(cache, "ocap-test", hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	// Test binaries of several packages may build at once: take turns, so
	// that none runs a binary another is writing.
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("locking %s: %w", lock.Name(), err)
	}
	bin := filepath.Join(dir, "vat-worker")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/vat-worker")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as make build: see the Makefile
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/vat-worker: %w\n%s", err, out)
	}
	return bin, nil
}

// SetWorkerEnv points $OCAP_WORKER_PATH at a vat-worker built for tests,
// unless it is set already, so code that finds the worker the way a user's
// program does (platform.Options{} with no WorkerPath) runs in tests too.
// For TestMain, which has no testing.TB.
func SetWorkerEnv() error {
	if os.Getenv("OCAP_WORKER_PATH") != "" {
		return nil
	}
	workerBin.once.Do(func() { workerBin.path, workerBin.err = buildWorker() })
	if workerBin.err != nil {
		return fmt.Errorf("building vat-worker: %w", workerBin.err)
	}
	return os.Setenv("OCAP_WORKER_PATH", workerBin.path)
}
