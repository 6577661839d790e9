package liveslots

import (
	"fmt"
	"sync"

	"github.com/dop251/goja"
)

// loop.go: the vat's event loop. Endowments do Go-side work on other
// goroutines (timers, HTTP) and hand the JavaScript part back through
// enqueue; the worker's vat goroutine runs what is queued with RunPending
// when no delivery is in progress. Each queued function is one turn: it
// runs as a top-level call into goja, which drains the promise jobs it
// caused before the next one runs. Syscalls made there are outside any
// delivery, so they wait for the kernel's next delivery (see syscall).

// eventLoop is the queue; enqueue may be called from any goroutine.
type eventLoop struct {
	mu     sync.Mutex
	queue  []func()
	ready  chan struct{} // 1-buffered: signals coalesce until RunPending
	closed bool
}

func newEventLoop() *eventLoop { return &eventLoop{ready: make(chan struct{}, 1)} }

// enqueue queues fn and wakes the vat goroutine. After close it drops fn
// and returns false.
func (l *eventLoop) enqueue(fn func()) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.queue = append(l.queue, fn)
	select {
	case l.ready <- struct{}{}:
	default:
	}
	return true
}

// take empties the queue.
func (l *eventLoop) take() []func() {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queue
	l.queue = nil
	return q
}

// close drops what is queued and refuses more.
func (l *eventLoop) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.queue = nil
}

// Ready receives a value when callbacks are waiting for RunPending.
func (v *Vat) Ready() <-chan struct{} { return v.loop.ready }

// RunPending runs the callbacks queued so far, in order, each as its own
// turn. It is called between deliveries, never during one. After an
// Interrupt it runs nothing more, not even the rest of the queue.
func (v *Vat) RunPending() {
	q := v.loop.take()
	if len(q) == 0 || v.rt == nil || !v.started {
		return
	}
	for _, fn := range q {
		if v.rt == nil {
			return // a callback cannot close the vat, but be safe
		}
		if v.interruption() != nil {
			return
		}
		v.runTurn(fn)
	}
	// The vat is quiescent again: what liveslots does then (rejecting
	// promises a callback resolved into a cycle) must not wait for a
	// delivery that may never come.
	if v.rt != nil {
		if err := v.endCrankIfNeeded(); err != nil {
			v.log.Warn("ending the turns of endowment callbacks", "error", err.Error())
		}
	}
	v.reportUnhandledRejections()
}

// runTurn calls fn inside a goja top-level call, so that the promise jobs
// it queues run before it returns, and a panic in it (goja reports
// errors from Go code that way) is logged instead of killing the worker.
func (v *Vat) runTurn(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			v.log.Error("an endowment callback panicked", "panic", fmt.Sprint(r))
		}
	}()
	v.turn = fn
	defer func() { v.turn = nil }()
	if _, err := v.runGo(goja.Undefined()); err != nil {
		if v.interruption() != nil {
			v.log.Warn("an endowment callback was interrupted", "error", err.Error())
			return
		}
		v.log.Warn("uncaught exception in an endowment callback", "error", jsError(err).Error())
	}
}
