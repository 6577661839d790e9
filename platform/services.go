// Package platform is the kernel's platform services: it launches each vat
// in its own vat-worker process through go-plugin, gives the router one
// stream per vat, and reports and kills workers.
package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"

	"github.com/ocapgo/ocap/supervisor/handshake"
)

// Launcher starts vat workers.
type Launcher interface {
	// Launch starts a worker for spec and opens its stream. If ctx ends
	// first, the worker is killed and Launch returns ctx's error.
	Launch(ctx context.Context, spec WorkerSpec) (Worker, error)
	// Close kills every worker launched and not yet exited.
	Close() error
}

var _ Launcher = (*Services)(nil)

// Services launches vat-worker processes as direct children of the kernel.
type Services struct {
	opts Options

	mu      sync.Mutex
	workers map[*worker]struct{}
	closed  bool

	// spares are workers started ahead of need: a launch takes one instead
	// of waiting for a process to start (most of a launch's time).
	spares  chan *worker
	filling atomic.Bool

	warned sync.Map // sandbox protections already reported missing
}

// New returns platform services configured by opts. It makes the calling
// process non-dumpable (no core dumps, /proc files readable by root only):
// the kernel's memory holds every vat's state.
func New(opts Options) *Services {
	opts = opts.withDefaults()
	protectKernel()
	return &Services{opts: opts, workers: map[*worker]struct{}{}, spares: make(chan *worker, max(opts.Spares, 0))}
}

// Launch starts a worker for spec, or hands out a spare one. A worker does
// not learn which vat it runs until its StartVat delivery.
func (s *Services) Launch(ctx context.Context, spec WorkerSpec) (Worker, error) {
	if spec.VatID == "" {
		return nil, errors.New("platform: WorkerSpec.VatID is required")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("platform: launching vat %s: %w", spec.VatID, err)
	}
	defer s.refill()
	for {
		select {
		case w := <-s.spares:
			if w.exited() {
				continue // died while waiting; try the next
			}
			w.vat.Store(&spec.VatID)
			w.logger.retarget(s.workerLogger(spec))
			return w, nil
		default:
		}
		return s.start(ctx, spec)
	}
}

func (s *Services) workerLogger(spec WorkerSpec) hclog.Logger {
	return s.opts.Logger.Named(workerName).With("vat", spec.VatID, "name", spec.VatName, "subcluster", spec.SubclusterID)
}

// refill starts spares, one at a time, until there are opts.Spares.
func (s *Services) refill() {
	if cap(s.spares) == 0 || !s.filling.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.filling.Store(false)
		for len(s.spares) < cap(s.spares) {
			w, err := s.start(context.Background(), WorkerSpec{VatID: "(spare)"})
			if err != nil {
				s.opts.Logger.Warn("could not start a spare vat worker", "error", err)
				return
			}
			select {
			case s.spares <- w:
			default:
				_ = w.Kill()
				return
			}
		}
	}()
}

// start launches one worker process.
func (s *Services) start(ctx context.Context, spec WorkerSpec) (*worker, error) {
	path, err := findWorker(s.opts.WorkerPath)
	if err != nil {
		return nil, err
	}
	logger := newSwitchLogger(s.workerLogger(spec))
	limited := newRateLogger(logger, s.opts.LogBytesPerSecond)
	proc := newProcess(path, spec.VatID, s.childEnv())
	stderr := &tail{}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake.Config,
		Plugins:          plugin.PluginSet{handshake.PluginName: workerPlugin{}},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		RunnerFunc:       proc.runnerFunc,
		Logger:           limited,
		StartTimeout:     s.opts.StartTimeout,
		Stderr:           stderr,
		SkipHostEnv:      true,
		// What the worker writes to its os.Stdout/os.Stderr after the
		// handshake travels over go-plugin's stdio stream: keep it in the log.
		SyncStdout: limited.StandardWriter(&hclog.StandardLoggerOptions{ForceLevel: hclog.Info}),
		SyncStderr: limited.StandardWriter(&hclog.StandardLoggerOptions{ForceLevel: hclog.Warn}),
	})

	w := &worker{logger: logger, proc: proc, stderr: stderr, maxMessage: s.opts.MaxMessageBytes, sandbox: s.noteSandbox, done: make(chan struct{})}
	w.vat.Store(&spec.VatID)
	stop := context.AfterFunc(ctx, func() { _ = proc.kill() })
	err = w.connect(client)
	if !stop() && err == nil {
		// ctx ended as the launch finished: the process is being killed.
		w.disconnect()
		err = ctx.Err()
	}
	if err != nil {
		_ = proc.kill()
		proc.release()
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("platform: launching vat-worker %s for vat %s: %w%s", path, spec.VatID, err, stderrSuffix(stderr))
	}
	proc.removeSocketDir()
	if !s.track(w) {
		go w.reap(func(*worker) {})
		_ = w.Kill()
		return nil, ErrClosed
	}
	go w.reap(s.forget)
	return w, nil
}

// childEnv is a worker's whole environment besides go-plugin's: the
// kernel's own environment is not passed on to vats.
func (s *Services) childEnv() []string {
	env := []string{
		handshake.LogLevelEnv + "=" + s.opts.Logger.GetLevel().String(),
		// A vat runs one JavaScript turn at a time: with one P, handing a
		// delivery from the stream's goroutines to the vat's and back
		// needs no thread wake-ups, which is most of a crank's latency.
		"GOMAXPROCS=1",
	}
	if path, ok := os.LookupEnv("PATH"); ok {
		env = append(env, "PATH="+path)
	}
	return append(env, s.opts.Env...)
}

func (s *Services) track(w *worker) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.workers[w] = struct{}{}
	return true
}

func (s *Services) forget(w *worker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.workers, w)
}

// Close kills every live worker, all at once, and refuses later launches.
func (s *Services) Close() error {
	s.mu.Lock()
	s.closed = true
	workers := make([]*worker, 0, len(s.workers))
	for w := range s.workers {
		workers = append(workers, w)
	}
	s.mu.Unlock()

	errs := make([]error, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() { errs[i] = w.Kill() })
	}
	wg.Wait()
	return errors.Join(errs...)
}
