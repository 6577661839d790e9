package metrics

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ocapgo/ocap/platform"
)

// Why a worker process ended, as ocap_worker_exits_total labels it.
const (
	reasonKilled  = "killed"  // the kernel killed it: terminate, restart, stop, timeout
	reasonExited  = "exited"  // it exited by itself with status 0
	reasonCrashed = "crashed" // any other way: a non-zero status, a signal not sent by us
)

// Launcher wraps l so that every worker start and every worker exit is
// counted. The platform knows nothing of metrics.
func (k *Kernel) Launcher(l platform.Launcher) platform.Launcher {
	return &instrumentedLauncher{Launcher: l, k: k, live: map[*instrumentedWorker]struct{}{}}
}

type instrumentedLauncher struct {
	platform.Launcher
	k *Kernel

	mu   sync.Mutex
	live map[*instrumentedWorker]struct{} // Close kills these: their exits are ours
}

func (l *instrumentedLauncher) Launch(ctx context.Context, spec platform.WorkerSpec) (platform.Worker, error) {
	w, err := l.Launcher.Launch(ctx, spec)
	if err != nil {
		l.k.workerStarts.WithLabelValues("error").Inc()
		return nil, err
	}
	l.k.workerStarts.WithLabelValues("ok").Inc()
	iw := &instrumentedWorker{Worker: w}
	l.mu.Lock()
	l.live[iw] = struct{}{}
	l.mu.Unlock()
	go func() {
		<-w.Done()
		l.mu.Lock()
		delete(l.live, iw)
		l.mu.Unlock()
		l.k.workerExits.WithLabelValues(exitReason(w.Err(), iw.killed.Load())).Inc()
	}()
	return iw, nil
}

func (l *instrumentedLauncher) Close() error {
	l.mu.Lock()
	for w := range l.live {
		w.markKilled()
	}
	l.mu.Unlock()
	return l.Launcher.Close()
}

// instrumentedWorker notes that the kernel asked for the kill, so that the
// exit is not taken for a crash.
type instrumentedWorker struct {
	platform.Worker
	once   sync.Once
	killed atomic.Bool
}

func (w *instrumentedWorker) Kill() error {
	w.markKilled()
	return w.Worker.Kill()
}

func (w *instrumentedWorker) markKilled() {
	w.once.Do(func() {
		select {
		case <-w.Done():
			// Already gone by itself: keep its own reason.
		default:
			w.killed.Store(true)
		}
	})
}

// exitReason classifies how a worker ended. The platform also kills
// workers on its own behalf (a delivery past its deadline) and says so in
// the exit error: "killed by the kernel".
func exitReason(err error, killedByUs bool) string {
	if killedByUs || (err != nil && strings.Contains(err.Error(), "killed by the kernel")) {
		return reasonKilled
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return reasonCrashed
	}
	// A worker exit error without a wait error means exit status 0.
	return reasonExited
}
