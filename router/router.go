// Package router is the kernel's crank loop: it owns the run queue, the
// c-lists and the kernel promise table, delivers one message at a time to a
// vat's worker, applies the syscalls that come back, and commits the result
// as one store transaction. Nothing a crank produced is visible to anyone
// (hosts, other vats) before that commit.
package router

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/router/keeper"
	"github.com/ocapgo/ocap/store/driver"
)

// Config sets up a Router. Zero durations take their defaults.
type Config struct {
	Store    driver.Store
	Launcher platform.Launcher
	Logger   hclog.Logger
	// DeliveryTimeout bounds one delivery; a vat that takes longer is
	// terminated. The crank loop is sequential, so it is also the longest
	// stall one vat can cause. Defaults to 30s.
	DeliveryTimeout time.Duration
	// Observer sees cranks, deliveries and syscalls. Defaults to none.
	Observer Observer
	// OpenIO opens the io channels of cluster configs. Defaults to none:
	// a subcluster with io channels then fails to launch.
	OpenIO OpenIO
	// ReapInterval is how many deliveries (messages and notifies) a vat
	// gets between two bringOutYourDead, which make it report what it no
	// longer holds; negative: only CollectGarbage asks. Defaults to
	// DefaultReapInterval.
	ReapInterval int
	// AllowedGlobals and FetchAllowedHosts are the kernel-wide endowment
	// and fetch host allowlists every StartVat carries: nil means no
	// kernel-wide restriction, an empty list allows nothing.
	AllowedGlobals    []string
	FetchAllowedHosts []string
	// Limits bound what one vat may do in a delivery (zero fields:
	// DefaultLimits).
	Limits Limits
	// MaxRestarts deaths of a vat's worker within RestartWindow terminate
	// the vat. Default DefaultMaxRestarts within DefaultRestartWindow.
	MaxRestarts   int
	RestartWindow time.Duration
	// MemoryLimit caps each vat's worker, in bytes, unless the vat's
	// creationOptions.memoryLimit sets its own; 0: no cap.
	MemoryLimit int64
	// RestoreOnDemand makes Restore start no worker: each restored vat
	// stays dormant until something is delivered to it (a message, a
	// notify, a GC action, PingVat), and starts then. What a restart does
	// to a vat's tables (non-durable exports gone, its decided promises
	// rejected) still happens in Restore. Defaults to false: every vat is
	// started in Restore, so code its buildRootObject runs on a restart
	// (timers, fetches) runs at once.
	RestoreOnDemand bool
}

// Router is the running kernel core. All table access happens on its loop
// goroutine; other goroutines reach it through do.
type Router struct {
	cfg      Config
	obs      Observer
	log      hclog.Logger
	k        *keeper.Keeper
	launcher platform.Launcher

	ctx    context.Context // the router's lifetime: workers live inside it
	cancel context.CancelFunc
	ops    chan op
	tasks  chan func() // loop work that is not a host request (post)
	wants  chan string
	deaths chan death
	done   chan struct{}

	// Loop-owned state.
	workers map[string]platform.Worker
	// failures counts, per vat, its worker's deaths while handling one
	// piece of work (current is the crank's: a run-queue item, or a flush):
	// a second death on the same work terminates the vat.
	failures map[string]deaths
	current  runItem
	flushes  []string // vats with work done outside a delivery
	// flushTurn says a flush goes before the next run-queue item.
	flushTurn bool
	exits     []vatExit // vats that asked to exit during the crank
	gcActions gcBatch   // what the crank's collect will queue for vats
	// Reaping (reap.go): deliveries per vat since its last reap, the vats
	// due for one, the CollectGarbage calls waiting, and how many GC
	// batches were ever queued.
	sinceReap     map[string]int
	reapQueue     []string
	sweeps        []chan struct{}
	gcQueuedTotal int64
	// launchEnds says why vats of subclusters being launched ended.
	launchEnds map[string]string
	budget     budgets // each vat's Limits and vatstore size
	crashes    crashes // recent worker deaths per vat
	// What cranks release once their writes are durable: those of the
	// crank being run, of the queued batch, and of the batch being
	// committed.
	cur, queued, inflight released
	services              map[string]*service // by name
	serviceByKref         map[string]*service
	ioClosers             map[string][]func() // by subcluster
	fatal                 error               // a commit failed: the loop refuses further cranks
	readFault             any                 // a vatstore read's store failure, for its crank to raise
	// restored is set once Restore has loaded the tables and restarted the
	// vats: only then may the run queue move.
	restored bool
	// What the current crank changed of the host view (see hostView),
	// and the view hosts read.
	viewDirty  bool
	revokedNow []string
	wiped      bool
	view       atomic.Pointer[hostView]
	issued     atomic.Pointer[issued]
	// Remote comms (remote.go): the redeemer's kref, once started, and
	// what carries frames to peers.
	redeemer    string
	incarnation string
	perSecond   int               // network messages a peer takes a second
	pacers      map[string]*pacer // by peer (loop-owned)
	transport   atomic.Pointer[Transport]

	// killing counts workers being killed off the loop; Stop waits for them.
	killing sync.WaitGroup
	// killed collects the workers the host request being run kills (see
	// doKilling); nil otherwise.
	killed *[]platform.Worker

	mu      sync.Mutex
	failure error         // r.fatal, readable from any goroutine
	failed  chan struct{} // closed when the store fails
	// handles are the running vats as other goroutines see them: hosts
	// read pids and ping workers without waiting for the crank loop.
	handles map[string]vatHandle
	// dormant are the vats restored on demand that have not started yet.
	dormant map[string]bool
	waiters map[string]chan Settlement
	stopped bool
}

// released is what cranks hand out once their writes are durable: the
// settlements hosts wait for, the service calls they decided, and the host
// view they changed.
type released struct {
	settled []answer
	calls   []serviceCall
	frames  []outFrame
	view    *hostView // nil when unchanged
}

// add takes on what later cranks release.
func (rel *released) add(later *released) {
	rel.settled = append(rel.settled, later.settled...)
	rel.calls = append(rel.calls, later.calls...)
	rel.frames = append(rel.frames, later.frames...)
	if later.view != nil {
		rel.view = later.view
	}
	later.reset()
}

func (rel *released) reset() {
	rel.settled, rel.calls, rel.frames, rel.view = rel.settled[:0], rel.calls[:0], rel.frames[:0], nil
}

// answer is a settlement a host may be waiting for, read when the promise
// settled: the promise itself may be gone by the time the crank commits.
type answer struct {
	kp string
	s  Settlement
}

// vatHandle is a running vat's worker as host reads see it.
type vatHandle struct {
	worker     platform.Worker
	pid        int
	subcluster string
}

// Settlement is how a promise the host waits on settled.
type Settlement struct {
	Data     marshal.CapData
	Rejected bool
}

type op struct {
	fn    func() error
	reply chan error
	// unsynced: answer once the crank ran, not once it is durable (for
	// work a restarted kernel does again anyway).
	unsynced bool
}

type death struct {
	vat string
	w   platform.Worker
}

type vatExit struct {
	vat    string
	reason string
}

// ErrStopped is returned by calls made after Stop.
var ErrStopped = errors.New("kernel is stopped")

// New opens the kernel tables in cfg.Store and starts the crank loop. Call
// Restore to bring back the vats of live subclusters.
func New(cfg Config) *Router {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.DeliveryTimeout == 0 {
		cfg.DeliveryTimeout = 30 * time.Second
	}
	if cfg.ReapInterval == 0 {
		cfg.ReapInterval = DefaultReapInterval
	}
	if cfg.MaxRestarts <= 0 {
		cfg.MaxRestarts = DefaultMaxRestarts
	}
	if cfg.RestartWindow <= 0 {
		cfg.RestartWindow = DefaultRestartWindow
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Router{
		cfg:           cfg,
		obs:           cfg.Observer,
		log:           cfg.Logger,
		k:             keeper.New(cfg.Store),
		launcher:      cfg.Launcher,
		ctx:           ctx,
		cancel:        cancel,
		ops:           make(chan op),
		tasks:         make(chan func(), 256),
		wants:         make(chan string, 64),
		deaths:        make(chan death, 64),
		done:          make(chan struct{}),
		workers:       map[string]platform.Worker{},
		failures:      map[string]deaths{},
		gcActions:     gcBatch{},
		launchEnds:    map[string]string{},
		sinceReap:     map[string]int{},
		waiters:       map[string]chan Settlement{},
		failed:        make(chan struct{}),
		handles:       map[string]vatHandle{},
		dormant:       map[string]bool{},
		services:      map[string]*service{},
		ioClosers:     map[string][]func(){},
		serviceByKref: map[string]*service{},
		pacers:        map[string]*pacer{},
	}
	r.view.Store(&hostView{vats: []VatStatus{}, subclusters: []SubclusterStatus{}, systems: map[string]SubclusterStatus{}, revoked: map[string]bool{}})
	r.issued.Store(&issued{})
	go r.loop()
	return r
}

// do runs fn on the loop goroutine as one crank: its writes commit together,
// or not at all when it returns an error.
func (r *Router) do(ctx context.Context, fn func() error) error {
	return r.send(ctx, op{fn: fn, reply: make(chan error, 1)})
}

// doUnsynced is do answered before the crank's writes are durable: for
// work a restarted kernel does again anyway, such as restoring vats.
func (r *Router) doUnsynced(ctx context.Context, fn func() error) error {
	return r.send(ctx, op{fn: fn, reply: make(chan error, 1), unsynced: true})
}

func (r *Router) send(ctx context.Context, o op) error {
	select {
	case r.ops <- o:
	case <-r.done:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-o.reply:
		return err
	case <-r.done:
		return ErrStopped
	}
}

func (r *Router) loop() {
	defer close(r.done)
	for {
		// Worker signals and commits first: they are short.
		select {
		case res := <-r.k.Done():
			r.guard("recording a commit", func() { r.committed(res) })
			continue
		case d := <-r.deaths:
			r.guard("handling a worker's exit", func() { r.workerDied(d) })
			continue
		case <-r.ctx.Done():
			r.guard("stopping", func() { _ = r.sync() })
			return
		default:
		}
		r.takeWants()
		// Then at most one host request and one crank: a steady stream of
		// host requests cannot stop the run queue, nor the reverse.
		select {
		case o := <-r.ops:
			o.reply <- r.runOp(o)
		default:
		}
		select {
		case fn := <-r.tasks:
			r.guard("taking in a frame", fn)
		default:
		}
		ran := false
		if r.fatal == nil && r.restored {
			r.guard("running a crank", func() { ran = r.step(); r.swept() })
		}
		if ran {
			continue
		}
		select {
		case o := <-r.ops:
			o.reply <- r.runOp(o)
		case fn := <-r.tasks:
			r.guard("taking in a frame", fn)
		case res := <-r.k.Done():
			r.guard("recording a commit", func() { r.committed(res) })
		case vat := <-r.wants:
			r.wantFlush(vat)
		case d := <-r.deaths:
			r.guard("handling a worker's exit", func() { r.workerDied(d) })
		case <-r.ctx.Done():
			r.guard("stopping", func() { _ = r.sync() })
			return
		}
	}
}

// guard runs one piece of the loop's work. A panic there is a kernel bug
// outside any crank: the kernel's memory may no longer match the store, so
// no further crank runs, and the process lives on to say why.
func (r *Router) guard(what string, fn func()) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("internal kernel error; no further cranks will run", "while", what, "panic", p, "stack", string(debug.Stack()))
			r.fail(fmt.Errorf("while %s: %w", what, &internalError{p}))
		}
	}()
	fn()
}

// doKilling is do for host requests that end vats: it also returns the
// workers the request killed, for the caller to wait for, off the loop.
func (r *Router) doKilling(ctx context.Context, fn func() error) ([]platform.Worker, error) {
	var killed []platform.Worker
	err := r.do(ctx, func() error {
		r.killed = &killed
		return fn()
	})
	return killed, err
}

// runOp runs a host request as a crank and answers once it is durable:
// what a host is told has happened has been committed (unless it asked
// not to wait, see doUnsynced).
func (r *Router) runOp(o op) error {
	defer func() { r.killed = nil }()
	err, answered := error(nil), false
	r.guard("answering a host request", func() {
		if err = r.crank(o.fn); err == nil && !o.unsynced {
			err = r.sync()
		}
		answered = true
	})
	if !answered {
		return stopped(r.fatal)
	}
	return err
}

// pump starts committing the queued cranks if no batch is in flight.
func (r *Router) pump() {
	if r.fatal != nil || !r.k.StartBatch() {
		return
	}
	r.inflight.add(&r.queued)
}

// committed handles a finished batch: hosts waiting on what it settled
// are answered, the service calls it decided start, the next batch goes.
func (r *Router) committed(res keeper.BatchResult) {
	r.k.Finish(res)
	if res.Err != nil {
		r.fail(res.Err)
		return
	}
	// The view first: a host woken by a settlement then reads a status at
	// least as new.
	r.publishView(r.inflight.view)
	r.wakeWaiters(r.inflight.settled)
	r.startCalls(r.inflight.calls)
	r.sendFrames(r.inflight.frames)
	r.inflight.reset()
	r.pump()
	if !r.k.Pending() && len(r.queued.frames) > 0 {
		// Acknowledgements of cranks that wrote nothing: all before them
		// is durable now.
		r.sendFrames(r.queued.frames)
		r.queued.frames = r.queued.frames[:0]
	}
}

// sync waits until every sealed crank is durable.
func (r *Router) sync() error {
	for r.fatal == nil && r.k.Pending() {
		r.pump()
		r.committed(<-r.k.Done())
	}
	if r.fatal != nil {
		return stopped(r.fatal)
	}
	return nil
}

// step runs one crank from the run queue (or a vat's outside-delivery work)
// and reports whether there was anything to do.
func (r *Router) step() bool {
	if r.gcQueued() {
		return r.stepGC()
	}
	if len(r.reapQueue) > 0 {
		return r.stepReap()
	}
	// Outside-delivery work and the run queue take turns: vats whose
	// timers keep firing cannot starve the queue.
	if len(r.flushes) > 0 && (r.flushTurn || r.queueLengthSafe() == 0) {
		r.flushTurn = false
		vat := r.flushes[0]
		r.current = runItem{Type: "flush", Vat: vat}
		defer func() { r.current = runItem{} }()
		r.flushes = r.flushes[1:]
		start := time.Now()
		err := r.crank(func() error { return r.flush(vat) })
		r.obs.Crank(time.Since(start), err == nil)
		r.afterCrank(err)
		return true
	}
	item, queued := r.peekSafe()
	if !queued {
		return false
	}
	r.flushTurn = true
	r.current = item
	defer func() { r.current = runItem{} }()
	start := time.Now()
	err := r.crank(func() error {
		r.k.Pop()
		return r.process(item)
	})
	r.obs.Crank(time.Since(start), err == nil)
	var ie *internalError
	if errors.As(err, &ie) {
		// Running the item again would fail again: drop it, and reject
		// its result so no one waits for it forever.
		err = r.crank(func() error {
			r.k.Pop()
			r.rejectResult(item, kernelError("", "the kernel could not handle this message: %v", ie.panic))
			return nil
		})
		if err != nil {
			err = r.crank(func() error { r.k.Pop(); return nil })
		}
	}
	r.afterCrank(err)
	if r.fatal == nil {
		r.obs.RunQueue(r.queueLengthSafe())
	}
	return true
}

// internalError is a kernel bug met during a crank (a recovered panic).
type internalError struct{ panic any }

func (e *internalError) Error() string { return fmt.Sprintf("internal kernel error: %v", e.panic) }

func (r *Router) queueLengthSafe() (n int64) {
	defer func() {
		if recover() != nil {
			n = 0
		}
	}()
	return r.k.QueueLength()
}

func (r *Router) peekSafe() (item runItem, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			r.fail(fmt.Errorf("reading the run queue: %v", p))
			ok = false
		}
	}()
	return r.k.Peek()
}

// crank runs fn and commits what it wrote. A panic inside (a store read
// that failed, or a kernel bug) aborts the crank instead of the process.
func (r *Router) crank(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.abortCrank()
			if se, ok := p.(keeper.StoreError); ok {
				err = se
				r.fail(se)
				return
			}
			r.log.Error("kernel error during crank; crank aborted", "panic", p, "stack", string(debug.Stack()))
			err = &internalError{p}
		}
	}()
	if r.fatal != nil {
		return stopped(r.fatal)
	}
	if err := fn(); err != nil {
		r.abortCrank()
		return err
	}
	r.collect()
	r.k.Seal()
	r.sealView()
	r.queued.add(&r.cur)
	r.pump()
	if !r.k.Pending() && r.queued.view != nil {
		// Nothing to commit (a crank that wrote nothing new): the view is
		// as durable as it will get.
		r.publishView(r.queued.view)
		r.queued.view = nil
	}
	for len(r.exits) > 0 {
		e := r.exits[0]
		r.exits = r.exits[1:]
		r.afterCrank(r.crank(func() error { r.terminateVat(e.vat, e.reason); return nil }))
	}
	return nil
}

// abortCrank forgets everything the crank in progress did.
func (r *Router) abortCrank() {
	r.k.Abort()
	r.dropView()
	r.cur.reset()
	r.exits = r.exits[:0]
	clear(r.gcActions)
}

// fail stops all further cranks: the store refused a commit or a read (or
// a kernel bug struck outside a crank), so the kernel's memory may no
// longer match what is durable.
func (r *Router) fail(err error) {
	if r.fatal == nil {
		r.fatal = err
		r.mu.Lock()
		r.failure = err
		r.mu.Unlock()
		close(r.failed)
		r.log.Error("kernel stopped running cranks. Restart the kernel (once the store is healthy, if it failed): it resumes from the last commit", "error", err)
	}
}

// stopped is the error of a call made after the crank loop stopped.
func stopped(cause error) error {
	var ie *internalError
	if errors.As(cause, &ie) {
		return fmt.Errorf("the kernel stopped after an internal error: %w", cause)
	}
	return fmt.Errorf("the kernel stopped: its store failed: %w", cause)
}

// Failed is closed when the store failed (or a kernel bug struck outside a
// crank) and the crank loop stopped.
func (r *Router) Failed() <-chan struct{} { return r.failed }

// Err reports the store failure that stopped the crank loop, if any.
func (r *Router) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failure
}

// Stop finishes the current crank, kills every worker and ends the loop.
func (r *Router) Stop(ctx context.Context) error {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return nil
	}
	r.stopped = true
	r.mu.Unlock()
	r.cancel()
	select {
	case <-r.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	for vat := range r.workers {
		r.stopWorker(vat)
	}
	r.killing.Wait()
	r.closeChannels("")
	r.mu.Lock()
	for kp, ch := range r.waiters {
		close(ch)
		delete(r.waiters, kp)
	}
	r.mu.Unlock()
	return nil
}
