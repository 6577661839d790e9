package platform

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
)

// workerPathEnv names the environment variable that points at the vat-worker
// binary when Options.WorkerPath is empty.
const workerPathEnv = "OCAP_WORKER_PATH"

// workerName is the worker binary's name, and what every worker's command
// line starts with.
const workerName = "vat-worker"

// Options configures platform services.
type Options struct {
	// WorkerPath is the vat-worker binary: a path, or a name looked up on
	// PATH. Defaults to $OCAP_WORKER_PATH, else "vat-worker" beside the
	// running executable, else "vat-worker" on PATH.
	WorkerPath string

	// Env is extra environment (KEY=VALUE) for every worker. Workers do not
	// inherit the kernel's environment: they get PATH, the go-plugin
	// handshake and these. Defaults to none.
	Env []string

	// Logger receives the platform's logs; each worker's stderr is re-logged
	// under Logger.Named("vat-worker").Named(vatID). Defaults to
	// hclog.Default().
	Logger hclog.Logger

	// StartTimeout bounds a worker's go-plugin handshake. Defaults to 10s.
	StartTimeout time.Duration

	// Spares is how many workers are kept started ahead of need, so that
	// launching a vat does not wait for a process to start. They are
	// started after the first launch. Defaults to 0: none.
	Spares int

	// MaxMessageBytes bounds one message between the kernel and a worker,
	// either way: a worker that sends a larger one is treated as broken
	// (ErrMessageTooLarge). It must leave room for a StartVat, which
	// carries the vat's bundle and whole vatstore. Defaults to
	// DefaultMaxMessageBytes.
	MaxMessageBytes int

	// LogBytesPerSecond bounds what one worker (its vat's console output
	// included) puts in the kernel's log per second; lines over it are
	// dropped and counted in a warning once a second. Defaults to
	// DefaultLogBytesPerSecond.
	LogBytesPerSecond int
}

// DefaultMaxMessageBytes is Options.MaxMessageBytes's default.
const DefaultMaxMessageBytes = 64 << 20

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = hclog.Default()
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if o.LogBytesPerSecond <= 0 {
		o.LogBytesPerSecond = DefaultLogBytesPerSecond
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 10 * time.Second
	}
	return o
}

// WorkerSpec says which vat a worker is launched for; it labels the worker's
// logs and errors. VatID is required.
type WorkerSpec struct {
	VatID, VatName, SubclusterID string
}

// findWorker resolves the vat-worker binary in the documented order.
func findWorker(configured string) (string, error) {
	if configured == "" {
		configured = os.Getenv(workerPathEnv)
	}
	if configured != "" {
		path, err := exec.LookPath(configured)
		if err != nil {
			return "", fmt.Errorf("platform: vat-worker binary %q: %w", configured, err)
		}
		return filepath.Abs(path)
	}
	if exe, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(exe), workerName)
		if path, err := exec.LookPath(beside); err == nil {
			return path, nil
		}
	}
	path, err := exec.LookPath(workerName)
	if err != nil {
		return "", fmt.Errorf("platform: no vat-worker binary (set platform.Options.WorkerPath or $%s, or install vat-worker beside the kernel or on PATH): %w", workerPathEnv, err)
	}
	return path, nil
}
