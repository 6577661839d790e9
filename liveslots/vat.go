package liveslots

import (
	"errors"
	"fmt"
	"github.com/go-sourcemap/sourcemap"
	"sync/atomic"

	"github.com/dop251/goja"
	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/endowments"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// maxCallDepth bounds JavaScript recursion: without it a runaway vat grows
// goja's stack until the worker runs out of memory. Exceeding it fails the
// delivery.
const maxCallDepth = 10000

// Vat is one vat's runtime.
type Vat struct {
	logger    hclog.Logger // as given to New
	log       hclog.Logger // logger tagged with the vat once started
	wantCrank func()
	rt        *goja.Runtime

	// The liveslots.js dispatch functions.
	jsStartVat goja.Callable
	jsMessage  goja.Callable
	jsNotify   goja.Callable
	jsEndCrank goja.Callable
	jsInspect  goja.Callable

	// Garbage collection (see vrefs.js and weak.go).
	jsDropExports      goja.Callable
	jsRetireExports    goja.Callable
	jsRetireImports    goja.Callable
	jsBringOutYourDead goja.Callable
	jsTableSizes       goja.Callable
	weak               *weakTable

	jsInstallGlobal goja.Callable

	// The bundle as compiled, so that engine errors can name the
	// expression that failed (see calleeAt).
	bundleName   string
	bundleSource string
	// Its source map, for stack traces (see vatStack).
	sourceMapRead bool
	sourceMapped  *sourcemap.Consumer

	// Endowments and the event loop their callbacks come back through.
	makeGlobals  endowments.Factory
	knownGlobals []string // the names makeGlobals offers, when known
	teardown     func()
	loop         *eventLoop
	runGo        goja.Callable // calls turn inside goja, see runTurn
	turn         func()

	inDelivery bool
	store      *vatstore
	syscalls   []*workerpb.Syscall // made during the current delivery
	pending    []*workerpb.Syscall // made between deliveries, for Flush

	// crankWork: liveslots has bookkeeping to do at the end of this crank
	// (see endCrank); without it the extra call into JS is skipped.
	crankWork bool

	started  bool
	startErr string // why StartVat failed, once it has

	// Promises rejected with no handler yet; reported after each delivery.
	unhandled map[*goja.Promise]struct{}

	// The runtime again, for Interrupt from other goroutines (rt is the
	// vat goroutine's alone); nil once closed. interrupted holds the
	// reason once Interrupt was called: no JavaScript runs after it.
	interruptible atomic.Pointer[goja.Runtime]
	interrupted   atomic.Pointer[error]
}

// New makes a runtime with frozen intrinsics and liveslots loaded, ready for
// StartVat. wantCrank is called when the vat makes syscalls outside a
// delivery, to ask the kernel for a Flush (it may be nil).
func New(logger hclog.Logger, wantCrank func(), opts ...Option) (v *Vat, err error) {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("liveslots: setting up the runtime: %v", r)
		}
	}()
	v = &Vat{
		logger:       logger,
		log:          logger,
		wantCrank:    wantCrank,
		rt:           goja.New(),
		unhandled:    map[*goja.Promise]struct{}{},
		makeGlobals:  endowments.Make,
		knownGlobals: endowments.Names,
		loop:         newEventLoop(),
		weak:         newWeakTable(),
		store:        newVatstore(),
	}
	for _, o := range opts {
		o(v)
	}

	v.interruptible.Store(v.rt)
	v.rt.SetMaxCallStackSize(maxCallDepth)
	v.rt.SetPromiseRejectionTracker(v.trackRejection)
	lib := newLib(v.rt)
	if err := lib.Set("host", v.newHost()); err != nil {
		return nil, fmt.Errorf("liveslots: %w", err)
	}
	dispatch, err := loadScripts(v.rt, lib)
	if err != nil {
		return nil, err
	}
	for name, dst := range map[string]*goja.Callable{
		"startVat":         &v.jsStartVat,
		"message":          &v.jsMessage,
		"notify":           &v.jsNotify,
		"endCrank":         &v.jsEndCrank,
		"dropExports":      &v.jsDropExports,
		"retireExports":    &v.jsRetireExports,
		"retireImports":    &v.jsRetireImports,
		"bringOutYourDead": &v.jsBringOutYourDead,
		"tableSizes":       &v.jsTableSizes,
		"inspect":          &v.jsInspect,
		"installGlobal":    &v.jsInstallGlobal,
	} {
		fn, ok := goja.AssertFunction(dispatch.Get(name))
		if !ok {
			return nil, fmt.Errorf("liveslots: dispatch.%s is not a function", name)
		}
		*dst = fn
	}
	v.runGo, _ = goja.AssertFunction(v.rt.ToValue(func(goja.FunctionCall) goja.Value {
		if v.turn != nil {
			v.turn()
		}
		return goja.Undefined()
	}))
	return v, nil
}

// Interrupt stops the vat's JavaScript; it may be called from any
// goroutine. The code running now (a delivery, a callback) ends with an
// uncatchable error naming reason, and so would the next to run if none
// is. The vat's state is then half-changed: it runs no JavaScript again,
// later deliveries fail with reason and RunPending does nothing. Close
// still tears the endowments down. The supervisor calls it when vat code
// runs past the delivery time limit.
func (v *Vat) Interrupt(reason error) {
	v.interrupted.Store(&reason)
	if rt := v.interruptible.Load(); rt != nil {
		rt.Interrupt(reason)
	}
}

// interruption is the reason given to Interrupt, or nil.
func (v *Vat) interruption() error {
	if p := v.interrupted.Load(); p != nil {
		return *p
	}
	return nil
}

// Close tears the endowments down (timers, requests, body streams) and
// releases the runtime. Later deliveries fail.
func (v *Vat) Close() {
	v.interruptible.Store(nil)
	v.runTeardown()
	v.rt = nil
	v.jsStartVat, v.jsMessage, v.jsNotify, v.jsEndCrank, v.jsInspect = nil, nil, nil, nil, nil
	v.jsInstallGlobal, v.runGo = nil, nil
	v.jsDropExports, v.jsRetireExports, v.jsRetireImports, v.jsBringOutYourDead = nil, nil, nil, nil
	v.jsTableSizes = nil
	v.unhandled = nil
	v.pending = nil
}

// Deliver runs one delivery to quiescence and returns its syscalls in the
// order the vat made them. It never panics: a failure of the delivery itself
// (not a method throwing, which rejects its result) is DeliveryResult.Error.
func (v *Vat) Deliver(d *workerpb.Delivery) (res *workerpb.DeliveryResult) {
	res = &workerpb.DeliveryResult{Id: d.GetId()}
	if v.rt == nil {
		res.Error = "liveslots: the vat is closed"
		return res
	}
	if err := v.interruption(); err != nil {
		res.Error = fmt.Sprintf("liveslots: the vat was interrupted: %v", err)
		return res
	}
	v.inDelivery = true
	v.syscalls = nil
	if takesPending(d) {
		// What the vat did between deliveries (timer callbacks, fetch
		// completions) comes first, in the order it happened: this
		// delivery may refer to what those syscalls introduced.
		v.syscalls, v.pending = v.pending, nil
	}
	defer func() {
		if r := recover(); r != nil {
			res.Error = fmt.Sprintf("liveslots: internal error: %v", r)
		}
		v.inDelivery = false
		res.Syscalls = v.syscalls
		v.syscalls = nil
		if res.Error == "" {
			v.store.delivered(v.pending)
		}
		v.reportUnhandledRejections()
	}()
	if err := v.deliver(d, res); err != nil {
		res.Error = err.Error()
	}
	return res
}

func (v *Vat) deliver(d *workerpb.Delivery, res *workerpb.DeliveryResult) error {
	switch k := d.GetKind().(type) {
	case *workerpb.Delivery_Ping:
		res.Pong = "pong"
		return nil
	case *workerpb.Delivery_StartVat:
		return v.startVat(k.StartVat)
	case *workerpb.Delivery_Flush:
		return v.endCrank()
	case *workerpb.Delivery_StopVat:
		// The vat is done: its timers, requests and streams go now,
		// before the worker exits.
		v.runTeardown()
		return nil
	}
	if err := v.ready(); err != nil {
		return err
	}
	switch k := d.GetKind().(type) {
	case *workerpb.Delivery_Message:
		return v.message(k.Message)
	case *workerpb.Delivery_Notify:
		return v.notify(k.Notify)
	case *workerpb.Delivery_DropExports:
		return v.gcDelivery("dropExports", v.jsDropExports, k.DropExports)
	case *workerpb.Delivery_RetireExports:
		return v.gcDelivery("retireExports", v.jsRetireExports, k.RetireExports)
	case *workerpb.Delivery_RetireImports:
		return v.gcDelivery("retireImports", v.jsRetireImports, k.RetireImports)
	case *workerpb.Delivery_BringOutYourDead:
		return v.gcDelivery("bringOutYourDead", v.jsBringOutYourDead, nil)
	default:
		return fmt.Errorf("liveslots: unknown delivery kind %T", k)
	}
}

// takesPending: deliveries whose syscalls the kernel applies also carry
// the syscalls made since the last one (a ping's are not applied, and
// nothing can precede startVat).
func takesPending(d *workerpb.Delivery) bool {
	switch d.GetKind().(type) {
	case *workerpb.Delivery_Ping, *workerpb.Delivery_StartVat:
		return false
	}
	return true
}

func (v *Vat) ready() error {
	switch {
	case v.startErr != "":
		return fmt.Errorf("the vat failed to start: %s", v.startErr)
	case !v.started:
		return errors.New("liveslots: delivery before startVat")
	}
	return nil
}

func (v *Vat) message(m *workerpb.Message) error {
	if m.GetMethargs() == nil {
		return fmt.Errorf("liveslots: message to %s without methargs", m.GetTarget())
	}
	_, err := v.jsMessage(goja.Undefined(),
		v.rt.ToValue(m.GetTarget()),
		v.rt.ToValue(m.GetMethargs().GetBody()),
		v.stringArray(m.GetMethargs().GetSlots()),
		v.rt.ToValue(m.GetResult()))
	if err != nil {
		return fmt.Errorf("liveslots: message to %s: %w", m.GetTarget(), jsError(err))
	}
	return v.endCrankIfNeeded()
}

func (v *Vat) notify(n *workerpb.Notify) error {
	rs := n.GetResolutions()
	vrefs := make([]any, len(rs))
	rejected := make([]any, len(rs))
	bodies := make([]any, len(rs))
	slots := make([]any, len(rs))
	for i, r := range rs {
		vrefs[i] = r.GetVref()
		rejected[i] = r.GetRejected()
		bodies[i] = r.GetData().GetBody()
		slots[i] = v.stringArray(r.GetData().GetSlots())
	}
	_, err := v.jsNotify(goja.Undefined(),
		v.rt.NewArray(vrefs...), v.rt.NewArray(rejected...),
		v.rt.NewArray(bodies...), v.rt.NewArray(slots...))
	if err != nil {
		return fmt.Errorf("liveslots: notify: %w", jsError(err))
	}
	return v.endCrankIfNeeded()
}

// gcDelivery hands one of the kernel's garbage collection deliveries to
// liveslots; bringOutYourDead has no vrefs.
func (v *Vat) gcDelivery(what string, fn goja.Callable, l *workerpb.VrefList) error {
	if _, err := fn(goja.Undefined(), v.stringArray(l.GetVrefs())); err != nil {
		return fmt.Errorf("liveslots: %s: %w", what, jsError(err))
	}
	return v.endCrankIfNeeded()
}

func (v *Vat) endCrankIfNeeded() error {
	if !v.crankWork {
		return nil
	}
	return v.endCrank()
}

// endCrank lets liveslots finish the crank once the vat is quiescent (it
// saves its vref counters) and reports a StartVat failure.
func (v *Vat) endCrank() error {
	v.crankWork = false
	out, err := v.jsEndCrank(goja.Undefined())
	if err != nil {
		return fmt.Errorf("liveslots: ending the crank: %w", jsError(err))
	}
	if msg := out.String(); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// stringArray makes a real JS array (not a wrapped Go slice, which vat code
// must never see) of strings.
func (v *Vat) stringArray(ss []string) goja.Value {
	items := make([]any, len(ss))
	for i, s := range ss {
		items[i] = s
	}
	return v.rt.NewArray(items...)
}

// jsError turns what goja returns into an error whose text is the
// JavaScript error's "Name: message", without the Go-side wrapping.
func jsError(err error) error {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return errors.New(ex.Value().String())
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return fmt.Errorf("vat code exceeded the maximum call depth (%d)", maxCallDepth)
	}
	return err
}

func (v *Vat) trackRejection(p *goja.Promise, op goja.PromiseRejectionOperation) {
	if v.unhandled == nil {
		return
	}
	switch op {
	case goja.PromiseRejectionReject:
		v.unhandled[p] = struct{}{}
	case goja.PromiseRejectionHandle:
		delete(v.unhandled, p)
	}
}

// reportUnhandledRejections logs rejections still unhandled once a
// delivery is over; they are not fatal to the vat. Once the vat was
// interrupted they are left alone: inspecting a reason runs vat code.
func (v *Vat) reportUnhandledRejections() {
	if v.interruption() != nil {
		return
	}
	for p := range v.unhandled {
		delete(v.unhandled, p)
		reason := "(unknown)"
		if v.jsInspect != nil {
			if s, err := v.jsInspect(goja.Undefined(), p.Result()); err == nil {
				reason = s.String()
			}
		}
		v.log.Warn("unhandled promise rejection in vat", "reason", reason)
	}
}
