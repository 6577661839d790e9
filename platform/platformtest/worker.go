package platformtest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// Worker is a fake vat worker: a platform.Worker that runs a Go vat.
type Worker struct {
	l    *Launcher
	spec platform.WorkerSpec
	n    int // which worker of its vat id
	pid  int

	deliverMu sync.Mutex // one delivery at a time, as the real stream
	nextID    atomic.Uint64

	mu  sync.Mutex // the vat's state, between deliveries and Outside
	vat *Vat

	reader atomic.Pointer[platform.VatstoreReader]

	want     chan struct{}
	done     chan struct{}
	exitOnce sync.Once
	err      error // set before done closes
}

var _ platform.Worker = (*Worker)(nil)

func newWorker(l *Launcher, spec platform.WorkerSpec, n, pid int) *Worker {
	return &Worker{l: l, spec: spec, n: n, pid: pid, want: make(chan struct{}, 1), done: make(chan struct{})}
}

// SetVatstoreReader keeps read for a StartVat that carries part of the
// vatstore: the fake vat reads the rest through it at start.
func (w *Worker) SetVatstoreReader(read platform.VatstoreReader) { w.reader.Store(&read) }

// Deliver runs d in the vat, unless a rule scripts a fault for it.
func (w *Worker) Deliver(ctx context.Context, d *workerpb.Delivery) (*workerpb.DeliveryResult, error) {
	if w.exited() {
		return nil, w.err
	}
	w.deliverMu.Lock()
	defer w.deliverMu.Unlock()
	if w.exited() {
		return nil, w.err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.Id = w.nextID.Add(1)
	desc := w.l.decide(w, d)
	switch desc.Fault {
	case Die:
		w.exit(fmt.Sprintf("exited with status 1 before answering %s delivery %d (scripted by the test)", desc.Kind, d.Id))
		return nil, w.err
	case Hang:
		select {
		case <-ctx.Done():
			w.exit("killed by the kernel (a delivery was abandoned)")
			return nil, fmt.Errorf("delivery %d to vat %s abandoned, worker killed: %w", d.Id, w.spec.VatID, ctx.Err())
		case <-w.done:
			return nil, w.err
		}
	}
	res := w.run(d)
	if desc.Fault == DieAfter {
		w.exit(fmt.Sprintf("exited with status 1 after handling %s delivery %d, before answering it (scripted by the test)", desc.Kind, d.Id))
		return nil, w.err
	}
	res.Id = d.Id
	return res, nil
}

// run hands d to the vat and collects its syscalls.
func (w *Worker) run(d *workerpb.Delivery) (res *workerpb.DeliveryResult) {
	w.mu.Lock()
	defer w.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			res = &workerpb.DeliveryResult{Error: fmt.Sprintf("fake vat %s panicked: %v", w.spec.VatID, p)}
			if w.vat != nil {
				w.vat.pending = nil
			}
		}
	}()
	if start := d.GetStartVat(); start != nil {
		return w.start(start)
	}
	if d.GetPing() != nil {
		return &workerpb.DeliveryResult{Pong: "pong"}
	}
	v := w.vat
	if v == nil {
		return &workerpb.DeliveryResult{Error: fmt.Sprintf("fake vat %s got a %T delivery before startVat", w.spec.VatID, d.Kind)}
	}
	var errText string
	switch k := d.Kind.(type) {
	case *workerpb.Delivery_Message:
		errText = v.dispatch(k.Message)
	case *workerpb.Delivery_Notify:
		errText = v.notify(k.Notify)
	case *workerpb.Delivery_DropExports:
		v.collect(KindDropExports, k.DropExports.GetVrefs())
	case *workerpb.Delivery_RetireExports:
		v.collect(KindRetireExports, k.RetireExports.GetVrefs())
	case *workerpb.Delivery_RetireImports:
		v.collect(KindRetireImports, k.RetireImports.GetVrefs())
	case *workerpb.Delivery_BringOutYourDead:
		v.collect(KindBringOutYourDead, nil)
	}
	if errText != "" {
		v.pending = nil
		return &workerpb.DeliveryResult{Error: errText}
	}
	return &workerpb.DeliveryResult{Syscalls: v.take()}
}

func (w *Worker) start(s *workerpb.StartVat) *workerpb.DeliveryResult {
	if w.vat != nil {
		return &workerpb.DeliveryResult{Error: fmt.Sprintf("fake vat %s got a second startVat", w.spec.VatID)}
	}
	build, ok := w.l.build(s.GetBundle())
	if !ok {
		return &workerpb.DeliveryResult{Error: fmt.Sprintf("no fake vat is defined for bundle %q", s.GetBundle())}
	}
	v := newVat(w, s)
	params := marshal.CapData{Body: s.GetParameters().GetBody(), Slots: s.GetParameters().GetSlots()}
	if params.Body != "" {
		p, err := marshal.Unmarshal(params)
		if err != nil {
			return &workerpb.DeliveryResult{Error: fmt.Sprintf("decoding the parameters of vat %s: %v", s.GetVatId(), err)}
		}
		v.Parameters = p
	}
	if err := build(v); err != nil {
		return &workerpb.DeliveryResult{Error: err.Error()}
	}
	w.vat = v
	return &workerpb.DeliveryResult{Syscalls: v.take()}
}

// Outside runs fn in the vat as a timer callback would, outside any
// delivery: the syscalls it makes travel back with the next delivery (the
// kernel sends a flush for them), and the worker asks for a crank.
// It panics if the vat has not started.
func (w *Worker) Outside(fn func(v *Vat)) {
	func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.vat == nil {
			panic("platformtest: Outside on a worker whose vat has not started")
		}
		fn(w.vat)
	}()
	w.RequestCrank()
}

// RequestCrank signals WantCrank; requests coalesce until received.
func (w *Worker) RequestCrank() {
	select {
	case w.want <- struct{}{}:
	default:
	}
}

// Exit makes the worker exit by itself (while idle, or under a hanging
// delivery), with why in its exit error.
func (w *Worker) Exit(why string) { w.exit(why) }

func (w *Worker) exit(why string) {
	w.exitOnce.Do(func() {
		w.err = fmt.Errorf("%w: vat %s (fake pid %d, worker %d): %s", platform.ErrWorkerExited, w.spec.VatID, w.pid, w.n, why)
		close(w.done)
	})
}

func (w *Worker) exited() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// VatID is the vat the worker was launched for.
func (w *Worker) VatID() string { return w.spec.VatID }

// N numbers the worker among its vat's workers, from 1.
func (w *Worker) N() int { return w.n }

func (w *Worker) WantCrank() <-chan struct{} { return w.want }
func (w *Worker) Done() <-chan struct{}      { return w.done }
func (w *Worker) PID() int                   { return w.pid }

func (w *Worker) Err() error {
	if w.exited() {
		return w.err
	}
	return nil
}

// Kill ends the worker; a worker that exited by itself keeps its reason.
// It is idempotent and never blocks.
func (w *Worker) Kill() error {
	w.exit("killed by the kernel")
	return nil
}

// describe returns the kind of a delivery, and a message's target and method.
func describe(d *workerpb.Delivery) (kind, target, method string) {
	if m := d.GetMessage(); m != nil {
		method, _, _ = decodeMethargs(m.GetMethargs())
		return KindMessage, m.GetTarget(), method
	}
	return workerpb.DeliveryKind(d), "", ""
}
