package router

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/router/keeper"
)

// process routes one run-queue item.
func (r *Router) process(item runItem) error {
	switch item.Type {
	case "send":
		return r.processSend(item)
	case "notify":
		return r.processNotify(item)
	default:
		r.log.Error("dropping run-queue item of unknown type", "type", item.Type)
		return nil
	}
}

// rejectResult settles a message's result promise with an error, if it has one.
func (r *Router) rejectResult(item runItem, data marshal.CapData) {
	if item.Result != "" {
		r.resolve(item.Result, true, data)
	}
}

func (r *Router) processSend(item runItem) error {
	target := item.Target
	if strings.HasPrefix(target, "kp") {
		p, ok := r.promise(target)
		if !ok {
			r.rejectResult(item, kernelError("", "message sent to unknown promise %s", target))
			return nil
		}
		kp, p := r.follow(target, p)
		switch {
		case p.State == unresolved && isRemote(p.Decider):
			// Pipelined to the kernel that decides it: no round trip.
			return r.deliverMessage(p.Decider, kp, item)
		case p.State == unresolved:
			r.k.QueueOnPromise(kp, p, item)
			return nil
		case p.State == rejected:
			r.rejectResult(item, *p.Data)
			return nil
		}
		ko, ok := singleObject(*p.Data)
		if !ok {
			r.rejectResult(item, kernelError("", "cannot deliver %s: promise %s was fulfilled with %s, not an object",
				methodName(item.Methargs), kp, describe(*p.Data)))
			return nil
		}
		target = ko
	}
	if r.k.IsRevoked(target) {
		r.rejectResult(item, kernelError(CodeObjectRevoked, "object %s has been revoked", target))
		return nil
	}
	if gone, ok := r.k.ObjectGone(target); ok {
		r.rejectResult(item, kernelError("", "%s", gone))
		return nil
	}
	owner, ok := r.k.ObjectOwner(target)
	if !ok {
		r.rejectResult(item, kernelError(CodeObjectDeleted, "object %s does not exist", target))
		return nil
	}
	if owner == keeper.KernelOwner {
		return r.callService(target, item)
	}
	return r.deliverMessage(owner, target, item)
}

func (r *Router) deliverMessage(vat, target string, item runItem) error {
	vref, ok := r.k.VrefOf(vat, target)
	if !ok {
		r.rejectResult(item, kernelError(CodeObjectDeleted, "object %s no longer exists", target))
		return nil
	}
	msg := &workerpb.Message{Target: vref, Methargs: r.capToVat(vat, *item.Methargs)}
	if item.Result != "" {
		if p, ok := r.promise(item.Result); ok && p.State == unresolved {
			result := item.Result
			if _, known := r.k.VrefOf(vat, result); known {
				// The vat sent this message itself (through a promise that
				// resolved to its own object) and waits on the result: it
				// decides a fresh promise, which the original follows.
				result = r.newPromise(vat)
				r.forward(item.Result, p, result)
			} else {
				p.Decider = vat
				r.k.SetPromise(item.Result, p)
			}
			msg.Result = r.vatRef(vat, result)
		}
	}
	return r.deliver(vat, &workerpb.Delivery{Kind: &workerpb.Delivery_Message{Message: msg}})
}

func (r *Router) processNotify(item runItem) error {
	// Notifies for the same vat that follow this one in the run queue go
	// in the same delivery: a vat that pipelined many sends then takes
	// their results in one crank instead of one crank each.
	var resolutions []*workerpb.Resolution
	for {
		if res := r.resolutionFor(item); res != nil {
			resolutions = append(resolutions, res)
		}
		next, ok := r.k.Peek()
		if !ok || next.Type != "notify" || next.Vat != item.Vat || len(resolutions) >= maxNotifyBatch {
			break
		}
		r.k.Pop()
		item = next
	}
	if len(resolutions) == 0 {
		return nil
	}
	return r.deliver(item.Vat, &workerpb.Delivery{Kind: &workerpb.Delivery_Notify{Notify: &workerpb.Notify{Resolutions: resolutions}}})
}

// maxNotifyBatch bounds the resolutions of one notify delivery.
const maxNotifyBatch = 256

// resolutionFor is the resolution a notify item tells its vat, or nil if
// the vat no longer knows the promise.
func (r *Router) resolutionFor(item runItem) *workerpb.Resolution {
	vref, ok := r.k.VrefOf(item.Vat, item.KP)
	if !ok {
		return nil
	}
	p, ok := r.promise(item.KP)
	if !ok || p.Data == nil {
		return nil
	}
	res := &workerpb.Resolution{Vref: vref, Rejected: p.State == rejected, Data: r.capToVat(item.Vat, *p.Data)}
	if !isRemote(item.Vat) { // a peer's entry retires later (deliverRemote)
		r.k.CListDrop(item.Vat, vref, item.KP)
	}
	return res
}

// flush collects what a vat did outside any delivery (timer callbacks).
func (r *Router) flush(vat string) error {
	if _, ok := r.workers[vat]; !ok {
		return nil
	}
	return r.deliver(vat, &workerpb.Delivery{Kind: &workerpb.Delivery_Flush{Flush: &workerpb.Empty{}}})
}

// deliver makes the one round trip of a crank and applies its syscalls.
func (r *Router) deliver(vat string, d *workerpb.Delivery) error {
	if isRemote(vat) {
		return r.deliverRemote(vat, d)
	}
	w, ok := r.workers[vat]
	if !ok {
		if r.isDormant(vat) {
			return &dormantError{vat}
		}
		return &workerDiedError{vat, fmt.Errorf("vat %s has no running worker", vat)}
	}
	r.obs.Delivery(workerpb.DeliveryKind(d))
	r.countDelivery(vat, d)
	if r.log.IsTrace() {
		r.traceDelivery(vat, d)
	}
	// Stopping the kernel lets the crank in progress finish: only the
	// delivery's own time limit cuts it short.
	res, err := r.deliverBounded(context.WithoutCancel(r.ctx), w, d)
	r.raiseReadFault()
	if err != nil {
		r.stopWorker(vat)
		if errors.Is(err, errBackstop) {
			return &timeLimitError{vat, pastLimit(r.cfg.DeliveryTimeout)}
		}
		if errors.Is(err, platform.ErrMessageTooLarge) {
			return &vatFaultError{vat, fmt.Errorf("its worker broke the message size limit: %w", err)}
		}
		return &workerDiedError{vat, err}
	}
	delete(r.failures, vat)
	if res.TimeLimitExceeded {
		// The worker stopped the vat itself; its state is not to be trusted.
		r.stopWorker(vat)
		return &timeLimitError{vat, res.Error}
	}
	if res.Error != "" {
		return &vatFaultError{vat, fmt.Errorf("delivery failed: %s", res.Error)}
	}
	if err := r.syscalls(vat, res.Syscalls); err != nil {
		return &vatFaultError{vat, err}
	}
	if n, l := r.k.CListSize(vat), r.vatLimits(vat); n > l.MaxCListEntries {
		return &vatFaultError{vat, limitError("maxCListEntries", strconv.Itoa(l.MaxCListEntries),
			fmt.Sprintf("it holds %d references", n))}
	}
	return nil
}

// errBackstop is why the kernel gave up on a delivery (see backstop).
var errBackstop = errors.New("the worker did not answer within the delivery time limit")

// deliverBounded delivers d to w, giving up as backstop says.
func (r *Router) deliverBounded(ctx context.Context, w platform.Worker, d *workerpb.Delivery) (*workerpb.DeliveryResult, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := r.backstop(w.PID(), cancel)
	res, err := w.Deliver(ctx, d)
	stop()
	if err != nil && errors.Is(context.Cause(ctx), errBackstop) {
		return nil, errBackstop
	}
	return res, err
}

// backstop gives up on a delivery whose worker does not answer, by
// calling cancel. The worker enforces the time limit itself, in its own
// CPU time, so that a busy machine does not cut honest work short; the
// kernel waits the limit plus a grace in wall time, then looks at how the
// scheduler treats the worker, once a second: one that was mostly asleep
// over the last second hangs, and is given up on; one that runs or waits
// for a CPU gets up to four times as long in all (a worker that spins
// past its own limit is broken or hostile, and ends there). Where the
// scheduler cannot be read, the wall time decides. Nothing is read before
// the limit: a delivery costs no /proc read.
func (r *Router) backstop(pid int, cancel context.CancelCauseFunc) (stop func()) {
	limit := r.cfg.DeliveryTimeout + max(5*time.Second, r.cfg.DeliveryTimeout/10)
	began := time.Now()
	var mu sync.Mutex
	var timer *time.Timer
	done := false
	var last platform.Scheduling
	var lastAt time.Time
	var check func()
	check = func() {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return
		}
		now, ok := platform.ReadScheduling(pid)
		at := time.Now()
		giveUp := !ok || at.Sub(began) >= 4*limit
		if !giveUp && !lastAt.IsZero() {
			wanted := now.Running + now.Waiting - last.Running - last.Waiting
			giveUp = wanted < at.Sub(lastAt)/10 // asleep, not starved
		}
		if giveUp {
			cancel(errBackstop)
			return
		}
		last, lastAt = now, at
		timer = time.AfterFunc(time.Second, check)
	}
	timer = time.AfterFunc(limit, check)
	return func() {
		mu.Lock()
		done = true
		timer.Stop()
		mu.Unlock()
	}
}

// methodName reads the method of a message for error texts.
func methodName(methargs *marshal.CapData) string {
	if methargs == nil {
		return "a message"
	}
	v, err := marshal.Unmarshal(*methargs)
	if err != nil {
		return "a message"
	}
	if arr, ok := v.([]any); ok && len(arr) > 0 {
		if m, ok := arr[0].(string); ok {
			return fmt.Sprintf("%q", m)
		}
	}
	return "a message"
}

// describe names the kind of a settled value for error texts.
func describe(data marshal.CapData) string {
	v, err := marshal.Unmarshal(data)
	if err != nil {
		return "undecodable data"
	}
	switch x := v.(type) {
	case nil:
		return "null"
	case marshal.Undefined:
		return "undefined"
	case string:
		return fmt.Sprintf("a string (%q)", x)
	case float64:
		return fmt.Sprintf("a number (%v)", x)
	case bool:
		return fmt.Sprintf("a boolean (%v)", x)
	case []any:
		return "an array"
	case map[string]any:
		return "a record"
	case *marshal.Error:
		return "an error"
	case marshal.Tagged:
		return "a tagged value"
	case marshal.Symbol:
		return "a symbol"
	default:
		return fmt.Sprintf("a %T", v)
	}
}

// traceDelivery logs each delivery at trace level: the order of deliveries
// is what shows where messages went.
func (r *Router) traceDelivery(vat string, d *workerpb.Delivery) {
	switch k := d.Kind.(type) {
	case *workerpb.Delivery_Message:
		cd := marshal.CapData{Body: k.Message.GetMethargs().GetBody(), Slots: k.Message.GetMethargs().GetSlots()}
		r.log.Trace("delivery", "vat", vat, "kind", "message", "target", k.Message.Target, "method", methodName(&cd))
	case *workerpb.Delivery_Notify:
		r.log.Trace("delivery", "vat", vat, "kind", "notify")
	default:
		r.log.Trace("delivery", "vat", vat, "kind", fmt.Sprintf("%T", d.Kind))
	}
}
