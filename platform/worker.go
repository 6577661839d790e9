package platform

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/supervisor/handshake"
)

const (
	// killGrace is how long Kill lets a worker exit by itself once its
	// stream is closed (a worker tears its endowments down and exits when
	// its stream ends) before SIGKILL. A clean exit keeps an error out of
	// the logs; a loaded machine, or a kernel stopping a hundred workers at
	// once, needs more than a few milliseconds. Kills run off the crank
	// loop and in parallel, so the grace holds nothing else up.
	killGrace = time.Second
	// brokenGrace is how long a worker whose stream broke may take to exit
	// before it is killed: a worker without a stream is of no use.
	brokenGrace = time.Second
)

// Worker is one live vat-worker process with its stream.
type Worker interface {
	// Deliver sends d (setting d.Id) and waits for its DeliveryResult.
	// Calls are serialised: one delivery at a time.
	//
	// If the process dies or the stream breaks, Deliver returns an error
	// wrapping ErrWorkerExited with the exit status and the last lines of
	// the worker's stderr. If ctx ends while d is in flight, the worker is
	// killed (its vat ran a crank the kernel will never see the end of, so
	// its state can no longer match the store) and Deliver returns an error
	// wrapping ctx's; if ctx ends while d waits for an earlier delivery,
	// Deliver just returns ctx's error.
	Deliver(ctx context.Context, d *workerpb.Delivery) (*workerpb.DeliveryResult, error)
	// SetVatstoreReader sets how the worker's vatstore reads are answered:
	// read is called during Deliver, on the goroutine that called it.
	// Until it is set, reads fail.
	SetVatstoreReader(read VatstoreReader)
	// WantCrank receives a value whenever the worker asks for a crank to
	// flush syscalls its vat made outside a delivery. Requests coalesce.
	WantCrank() <-chan struct{}
	// Done is closed when the process has exited.
	Done() <-chan struct{}
	// Err says why the process exited (wrapping ErrWorkerExited); nil
	// before.
	Err() error
	// PID is the worker's process id.
	PID() int
	// Kill closes the stream, kills the process if it does not exit
	// within a grace of a second, and waits for it. It is idempotent.
	Kill() error
}

// VatstoreReader answers a worker's vatstore read (see workerpb.VatstoreRead).
type VatstoreReader func(*workerpb.VatstoreRead) *workerpb.VatstoreReadResult

var _ Worker = (*worker)(nil)

type worker struct {
	vat    atomic.Pointer[string] // the vat id; a spare gets it when assigned
	logger switchLogger
	proc   *process
	rpc    plugin.ClientProtocol
	stream *kernelStream
	stderr *tail
	// maxMessage bounds each message on the stream, either way.
	maxMessage int
	// sandbox hears what the worker says of its sandbox.
	sandbox func(vat string, sb *workerpb.Sandbox)
	// memoryLimit is the cap its StartVat set, to tell a death by it.
	memoryLimit atomic.Int64

	killOnce sync.Once
	killErr  error
	killed   atomic.Bool

	done chan struct{}
	err  error // set before done closes
}

// connect runs the go-plugin handshake and opens the stream.
func (w *worker) connect(pc *plugin.Client) error {
	rpc, err := pc.Client()
	if err != nil {
		return err
	}
	raw, err := rpc.Dispense(handshake.PluginName)
	if err != nil {
		_ = rpc.Close()
		return err
	}
	client, ok := raw.(workerpb.WorkerClient)
	if !ok {
		_ = rpc.Close()
		return fmt.Errorf("worker plugin dispensed %T, not a Worker client", raw)
	}
	stream, err := openStream(client, w.logger, w.maxMessage, w.proc.frames)
	if err != nil {
		_ = rpc.Close()
		return err
	}
	w.rpc, w.stream = rpc, stream
	return nil
}

// disconnect closes the stream and the connection.
func (w *worker) disconnect() {
	w.stream.close()
	if err := w.rpc.Close(); err != nil {
		w.logger.Trace("closing the worker connection", "error", err)
	}
}

// reap waits for the process to exit, then releases the connection and
// records why it exited.
func (w *worker) reap(forget func(*worker)) {
	<-w.proc.done
	w.disconnect()
	w.err = w.exitError()
	close(w.done)
	forget(w)
}

func (w *worker) exitError() error {
	status, waitErr := w.proc.exitStatus()
	if w.killed.Load() {
		status = "killed by the kernel (" + status + ")"
	}
	msg := fmt.Sprintf("vat %s (pid %d): %s%s", *w.vat.Load(), w.proc.getPID(), status, stderrSuffix(w.stderr))
	return &exitError{msg: msg, waitErr: waitErr, cause: memoryDeath(w.memoryLimit.Load(), w.stderr.outOfMemory())}
}

func (w *worker) SetVatstoreReader(read VatstoreReader) { w.stream.reader.Store(&read) }

func (w *worker) Deliver(ctx context.Context, d *workerpb.Delivery) (*workerpb.DeliveryResult, error) {
	select {
	case <-w.done:
		return nil, w.err
	default:
	}
	if s := d.GetStartVat(); s != nil {
		w.memoryLimit.Store(int64(min(s.GetMemoryLimitBytes(), 1<<62)))
	}
	r, err := w.stream.deliver(ctx, d)
	switch {
	case err == nil:
		if sb := r.GetSandbox(); sb != nil && w.sandbox != nil {
			w.sandbox(*w.vat.Load(), sb)
		}
		return r, nil
	case errors.Is(err, ErrMessageTooLarge):
		_ = w.Kill()
		return nil, fmt.Errorf("vat %s: %w", *w.vat.Load(), err)
	case errors.Is(err, errStreamBroken):
		w.awaitExit(err)
		exitErr := w.Err()
		if exitErr == nil {
			return nil, fmt.Errorf("%w: vat %s: %w", ErrWorkerExited, *w.vat.Load(), err)
		}
		if lostWorker(err) {
			return nil, exitErr
		}
		// The stream failed for its own reason (a message too large, a
		// protocol error): say so, the exit status alone would hide it.
		return nil, fmt.Errorf("delivery %d: %v: %w", d.GetId(), err, exitErr)
	case errors.Is(err, errAbandoned):
		_ = w.Kill()
		return nil, fmt.Errorf("delivery %d to vat %s abandoned, worker killed: %w", d.GetId(), *w.vat.Load(), err)
	default:
		return nil, fmt.Errorf("delivery to vat %s: %w", *w.vat.Load(), err)
	}
}

// lostWorker reports whether a stream error only says the worker went away.
func lostWorker(err error) bool {
	if peerGone(err) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.Canceled:
		return true
	}
	return false
}

// awaitExit gives a worker whose stream broke a moment to exit, then kills it.
func (w *worker) awaitExit(cause error) {
	t := time.NewTimer(brokenGrace)
	defer t.Stop()
	select {
	case <-w.done:
	case <-t.C:
		w.logger.Warn("worker stream broke but the process lives on; killing it", "error", cause)
		_ = w.Kill()
	}
}

func (w *worker) WantCrank() <-chan struct{} { return w.stream.wantCrank }
func (w *worker) Done() <-chan struct{}      { return w.done }
func (w *worker) PID() int                   { return w.proc.getPID() }

func (w *worker) Err() error {
	select {
	case <-w.done:
		return w.err
	default:
		return nil
	}
}

func (w *worker) Kill() error {
	w.killOnce.Do(func() {
		select {
		case <-w.done:
			return // exited by itself: keep its own reason
		default:
		}
		w.killed.Store(true)
		w.stream.close()
		t := time.NewTimer(killGrace)
		defer t.Stop()
		select {
		case <-w.done:
		case <-t.C:
			w.killErr = w.proc.kill()
		}
	})
	if w.killErr != nil {
		return w.killErr
	}
	<-w.done
	return nil
}

// exited reports whether the process has already exited.
func (w *worker) exited() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}
