package supervisor

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// errNoRuntime answers deliveries in a worker built without a vat runtime.
var errNoRuntime = errors.New("supervisor.Options.NewRuntime is not set: this vat-worker has no vat runtime")

// job is one delivery and where to send its result.
type job struct {
	d     *workerpb.Delivery
	reply func(*workerpb.DeliveryResult)
}

// vatLoop owns the Runtime: it builds it, runs every delivery and closes it,
// all on one goroutine, because a JavaScript runtime is single-threaded.
type vatLoop struct {
	logger    hclog.Logger
	jobs      chan job
	wantCrank chan struct{} // 1-buffered: requests coalesce until sent
	stop      chan struct{}
	stopOnce  sync.Once
	stopped   chan struct{}

	// confine puts the worker's OS sandbox in force for a StartVat; nil in
	// a worker that shares its process with other code (tests).
	confine func(*workerpb.StartVat) *workerpb.Sandbox

	// Vatstore reads: sendRead (set by the stream) sends a read to the
	// kernel, whose answer comes back on readResults.
	sendRead    atomic.Pointer[func(*workerpb.VatstoreRead) error]
	readResults chan *workerpb.VatstoreReadResult // 1-buffered

	// Owned by the vat goroutine.
	limit  time.Duration // the delivery time limit from StartVat; 0: none
	broken string        // set once vat code ran past limit: every answer
}

// startVat starts the vat goroutine. The runtime is built there, while the
// go-plugin handshake goes on, so its start-up cost overlaps the launch.
func startVat(logger hclog.Logger, newRuntime NewRuntimeFunc, confine func(*workerpb.StartVat) *workerpb.Sandbox) *vatLoop {
	v := &vatLoop{
		logger:  logger,
		confine: confine,
		// One delivery may wait while the vat goroutine is busy (a
		// callback waiting for a read): the stream goes on receiving,
		// so the read's answer can arrive.
		jobs:        make(chan job, 1),
		wantCrank:   make(chan struct{}, 1),
		stop:        make(chan struct{}),
		stopped:     make(chan struct{}),
		readResults: make(chan *workerpb.VatstoreReadResult, 1),
	}
	go v.run(newRuntime)
	return v
}

func (v *vatLoop) run(newRuntime NewRuntimeFunc) {
	defer close(v.stopped)
	rt, err := v.build(newRuntime)
	if err != nil {
		v.logger.Error("cannot start the vat runtime", "error", err)
	}
	if c, ok := rt.(VatstoreClient); ok {
		c.SetVatstoreReader(v.readVatstore)
	}
	// Between deliveries the vat's own event loop runs (a nil channel
	// when the runtime has none: that case never fires).
	var ready <-chan struct{}
	loop, _ := rt.(EventLoop)
	if loop != nil {
		ready = loop.Ready()
	}
	for {
		select {
		case j := <-v.jobs:
			j.reply(v.deliver(rt, err, j.d))
		case <-ready:
			v.runPending(rt, loop)
		case <-v.stop:
			if rt != nil {
				v.closeRuntime(rt)
			}
			return
		}
		if v.broken != "" {
			ready = nil // a broken vat runs no more callbacks
		}
	}
}

// signalWantCrank is the wantCrank function given to the runtime.
func (v *vatLoop) signalWantCrank() {
	select {
	case v.wantCrank <- struct{}{}:
	default:
	}
}

var errNoStream = errors.New("no kernel stream to read the vatstore through")

// readVatstore sends a read to the kernel and waits for its answer. It runs
// on the vat goroutine, during a delivery or a callback (the runtime then
// asks for a crank, in which the kernel answers).
func (v *vatLoop) readVatstore(req *workerpb.VatstoreRead) (*workerpb.VatstoreReadResult, error) {
	send := v.sendRead.Load()
	if send == nil {
		return nil, errNoStream
	}
	if err := (*send)(req); err != nil {
		return nil, fmt.Errorf("sending a vatstore read: %w", err)
	}
	select {
	case r := <-v.readResults:
		return r, nil
	case <-v.stop:
		return nil, errors.New("the worker is stopping")
	}
}

func (v *vatLoop) build(newRuntime NewRuntimeFunc) (rt Runtime, err error) {
	if newRuntime == nil {
		return nil, errNoRuntime
	}
	defer func() {
		if r := recover(); r != nil {
			v.logger.Error("vat runtime panicked while starting", "panic", r, "stack", string(debug.Stack()))
			rt, err = nil, fmt.Errorf("vat runtime panicked while starting: %v", r)
		}
	}()
	rt, err = newRuntime(v.logger, v.signalWantCrank)
	if err == nil && rt == nil {
		err = errors.New("NewRuntime returned no runtime")
	}
	return rt, err
}

// deliver runs one delivery, within the delivery time limit. A panic in the
// runtime becomes the delivery's error, so the kernel learns of it instead
// of losing the worker silently.
func (v *vatLoop) deliver(rt Runtime, startErr error, d *workerpb.Delivery) (res *workerpb.DeliveryResult) {
	if startErr != nil {
		return &workerpb.DeliveryResult{Id: d.GetId(), Error: fmt.Sprintf("starting vat runtime: %v", startErr)}
	}
	if v.broken != "" {
		return timeLimitResult(d.GetId(), v.broken)
	}
	what := whatDelivery
	var sandbox *workerpb.Sandbox
	if s := d.GetStartVat(); s != nil {
		v.limit = limitFromMillis(s.GetDeliveryTimeLimitMs())
		what = whatStart
		if v.confine != nil {
			sandbox, v.confine = v.confine(s), nil // before any vat code, once
		}
	}
	w := v.arm(rt, what)
	defer func() {
		over := w.stop()
		if r := recover(); r != nil {
			v.logger.Error("vat runtime panicked during a delivery",
				"delivery", d.GetId(), "kind", fmt.Sprintf("%T", d.GetKind()),
				"panic", r, "stack", string(debug.Stack()))
			res = &workerpb.DeliveryResult{Error: fmt.Sprintf("vat runtime panicked: %v", r)}
		}
		if over {
			v.breakVat(w.msg, res.GetError())
			res = timeLimitResult(0, v.broken)
		}
		res.Id = d.GetId()
		res.Sandbox = sandbox
	}()
	res = rt.Deliver(d)
	if res == nil {
		res = &workerpb.DeliveryResult{Error: "vat runtime returned no delivery result"}
	}
	return res
}

// runPending runs the vat's queued callbacks, within the delivery time
// limit; a panic there is logged and the worker goes on. Callbacks that run
// past the limit break the vat, and the kernel is asked for a crank: its
// Flush delivery then learns of it at once.
func (v *vatLoop) runPending(rt Runtime, loop EventLoop) {
	w := v.arm(rt, whatCallbacks)
	defer func() {
		over := w.stop()
		if r := recover(); r != nil {
			v.logger.Error("vat runtime panicked in its event loop", "panic", r, "stack", string(debug.Stack()))
		}
		if over {
			v.breakVat(w.msg, "")
			v.signalWantCrank()
		}
	}()
	loop.RunPending()
}

// breakVat records that vat code ran past the limit. detail is what the
// runtime said of it (with goja, where the code was interrupted), for the
// log only: the kernel gets msg alone, the same for every later delivery.
func (v *vatLoop) breakVat(msg, detail string) {
	v.broken = msg
	args := []any{"limit", v.limit.String(), "error", msg}
	if detail != "" {
		args = append(args, "runtime_error", detail)
	}
	v.logger.Error("vat code ran past the delivery time limit and was interrupted; the vat is broken", args...)
}

func (v *vatLoop) closeRuntime(rt Runtime) {
	defer func() {
		if r := recover(); r != nil {
			v.logger.Error("vat runtime panicked while closing", "panic", r)
		}
	}()
	rt.Close()
}

// close stops the vat goroutine, closing the runtime. It waits at most
// limit: a delivery stuck in an endless loop must not keep the worker alive.
func (v *vatLoop) close(limit time.Duration) {
	v.stopOnce.Do(func() { close(v.stop) })
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-v.stopped:
	case <-t.C:
		v.logger.Warn("vat runtime did not close in time", "limit", limit)
	}
}
