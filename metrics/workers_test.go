package metrics

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// fakeWorker ends when exit is called, with the error given.
type fakeWorker struct {
	done chan struct{}
	once sync.Once
	err  error
}

func newFakeWorker() *fakeWorker { return &fakeWorker{done: make(chan struct{})} }

func (w *fakeWorker) exit(err error) {
	w.once.Do(func() { w.err = err; close(w.done) })
}

func (w *fakeWorker) Deliver(context.Context, *workerpb.Delivery) (*workerpb.DeliveryResult, error) {
	return &workerpb.DeliveryResult{}, nil
}
func (w *fakeWorker) WantCrank() <-chan struct{} { return nil }
func (w *fakeWorker) Done() <-chan struct{}      { return w.done }
func (w *fakeWorker) PID() int                   { return 1 }
func (w *fakeWorker) Kill() error {
	w.exit(fmt.Errorf("%w: vat v1 (pid 1): signal: killed", platform.ErrWorkerExited))
	return nil
}

func (w *fakeWorker) SetVatstoreReader(platform.VatstoreReader) {}

func (w *fakeWorker) Err() error {
	select {
	case <-w.done:
		return w.err
	default:
		return nil
	}
}

type fakeLauncher struct {
	fail    bool
	workers []*fakeWorker
}

func (l *fakeLauncher) Launch(context.Context, platform.WorkerSpec) (platform.Worker, error) {
	if l.fail {
		return nil, errors.New("no vat-worker binary")
	}
	w := newFakeWorker()
	l.workers = append(l.workers, w)
	return w, nil
}

func (l *fakeLauncher) Close() error {
	for _, w := range l.workers {
		_ = w.Kill()
	}
	return nil
}

// exitStatus returns a real *exec.ExitError for a non-zero exit.
func exitStatus(t *testing.T, code int) error {
	t.Helper()
	err := exec.Command("sh", "-c", fmt.Sprintf("exit %d", code)).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("sh exit %d: %v", code, err)
	}
	return fmt.Errorf("%w: vat v1 (pid 1): %w", platform.ErrWorkerExited, ee)
}

func TestLauncherCountsStartsAndExits(t *testing.T) {
	reg, k := setup(t)
	fl := &fakeLauncher{}
	l := k.Launcher(fl)
	ctx := context.Background()
	spec := platform.WorkerSpec{VatID: "v1"}

	launch := func() platform.Worker {
		t.Helper()
		w, err := l.Launch(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	killed := launch()
	if err := killed.Kill(); err != nil {
		t.Fatal(err)
	}
	launch()
	fl.workers[1].exit(fmt.Errorf("%w: vat v1 (pid 1): exit status 0", platform.ErrWorkerExited))
	launch()
	fl.workers[2].exit(exitStatus(t, 3))
	launch()
	fl.workers[3].exit(fmt.Errorf("%w: vat v1 (pid 1): killed by the kernel (signal: killed)", platform.ErrWorkerExited))
	launch()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	fl.fail = true
	if _, err := l.Launch(ctx, spec); err == nil {
		t.Fatal("a failing launch succeeded through the wrapper")
	}

	if got := value(t, reg, "ocap_worker_starts_total", "outcome=ok"); got != 5 {
		t.Errorf("starts ok = %v, want 5", got)
	}
	if got := value(t, reg, "ocap_worker_starts_total", "outcome=error"); got != 1 {
		t.Errorf("starts error = %v, want 1", got)
	}
	// Exits are counted when the process is gone, from a goroutine.
	want := map[string]float64{"killed": 3, "exited": 1, "crashed": 1}
	deadline := time.Now().Add(testutil.Patience)
	for reason, n := range want {
		for value(t, reg, "ocap_worker_exits_total", "reason="+reason) != n && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := value(t, reg, "ocap_worker_exits_total", "reason="+reason); got != n {
			t.Errorf("exits{reason=%s} = %v, want %v", reason, got, n)
		}
	}
}

func TestExitReason(t *testing.T) {
	for _, tc := range []struct {
		err    error
		byUs   bool
		reason string
	}{
		{errors.New("vat worker exited: vat v1 (pid 9): exit status 0"), false, reasonExited},
		{exitStatus(t, 2), false, reasonCrashed},
		{exitStatus(t, 2), true, reasonKilled},
		{errors.New("vat worker exited: vat v1 (pid 9): killed by the kernel (signal: killed)"), false, reasonKilled},
	} {
		if got := exitReason(tc.err, tc.byUs); got != tc.reason {
			t.Errorf("exitReason(%v, %v) = %s, want %s", tc.err, tc.byUs, got, tc.reason)
		}
	}
}
