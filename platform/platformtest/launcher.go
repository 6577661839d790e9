// Package platformtest is a fake of the kernel's platform services for
// tests: a platform.Launcher whose workers run Go "vats" in the test
// process instead of JavaScript in vat-worker processes, in the manner of
// SwingSet's raw test vats. A vat is a Go function that sets up its objects
// when the worker gets StartVat (as buildRootObject would) and answers each
// delivery with the syscalls liveslots would make, through a small API
// (Send, Resolve, Subscribe, vatstore Get/Set) that follows liveslots' vref
// conventions: the root export is o+0, other exports o+N, the promises a
// vat allocates p+N, what it imports o-N and p-N, and every message body is
// smallcaps ["method", [args...]] (package marshal).
//
// Faults are scripted the same way, deterministically: Fault rules decide,
// delivery by delivery, whether the worker answers, exits before (or right
// after) handling it, or hangs until the delivery's context ends; a test
// can make a worker exit while idle, ask for a crank, or make a launch fail.
// Nothing here sleeps: a rule runs on the goroutine that called Deliver,
// before the vat sees the delivery, so a rule may also signal the test or
// block on a channel the test controls.
//
//	l := platformtest.New()
//	l.Define("bob", func(v *platformtest.Vat) error {
//		v.Root().On("foo", func(c *platformtest.Call) {
//			p := c.Send(c.Args[0], "bar", 1) // a result promise p+N
//			c.Subscribe(p)
//			c.Return("done")
//		})
//		return nil
//	})
//	l.Fault(platformtest.Match{VatName: "bob", Method: "foo", Attempt: 1}.Then(platformtest.Die))
//
// It lives beside package platform, as store/storetest beside store and
// httptest beside net/http, so that any package that takes a
// platform.Launcher (router, the root package ocap, host programs) can run
// its vats in-process.
package platformtest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// BuildFunc builds a vat in a fresh worker when its StartVat arrives, as
// buildRootObject would: it installs the root object's methods (v.Root()),
// may read and write the vatstore, and may make syscalls. An error fails
// the start (the StartVat result carries it, as when buildRootObject throws).
type BuildFunc func(v *Vat) error

// Fault is what happens to one delivery.
type Fault int

const (
	// Answer: no fault, the vat handles the delivery and the worker answers.
	Answer Fault = iota
	// Die: the worker exits before the vat sees the delivery. Deliver
	// returns an error wrapping platform.ErrWorkerExited; Done closes.
	Die
	// DieAfter: the vat handles the delivery, then the worker exits before
	// answering (the kernel never sees the syscalls it made).
	DieAfter
	// Hang: the worker never answers. Deliver returns when its context
	// ends, killing the worker as the real platform does, or when the
	// worker is killed or exits.
	Hang
)

func (f Fault) String() string {
	switch f {
	case Answer:
		return "answer"
	case Die:
		return "die"
	case DieAfter:
		return "die-after"
	case Hang:
		return "hang"
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// Delivery kinds, as Delivery.Kind spells them.
const (
	KindStartVat         = "startVat"
	KindMessage          = "message"
	KindNotify           = "notify"
	KindFlush            = "flush"
	KindPing             = "ping"
	KindStopVat          = "stopVat"
	KindBringOutYourDead = "bringOutYourDead"
	KindDropExports      = "dropExports"
	KindRetireExports    = "retireExports"
	KindRetireImports    = "retireImports"
)

// Delivery describes a delivery a fake worker received.
type Delivery struct {
	VatID, VatName string
	// Worker numbers the vat's workers: 1 for the first one launched for
	// this vat id, 2 for the one that replaced it, and so on.
	Worker int
	Kind   string
	// Target and Method are those of a message ("" for other kinds).
	Target, Method string
	// Attempt counts the deliveries of this kind and method to this vat
	// id, over all its workers: 1 the first time, 2 for the next (a retry
	// after a worker died, or simply a second message of that method).
	Attempt int
	// Fault is what the rules decided (Answer when none matched).
	Fault Fault
	// Seq orders deliveries to every vat of the launcher: 1, 2, ...
	Seq int
	// Raw is the delivery itself.
	Raw *workerpb.Delivery
}

// Rule decides the fault of a delivery before the vat sees it. It runs on
// the goroutine that called Deliver, outside the launcher's lock: it may
// signal the test or block on a channel the test controls.
type Rule func(d Delivery) Fault

// Match is a Rule builder: its zero fields match anything.
type Match struct {
	VatID, VatName string
	Kind           string // KindMessage when Method is set and Kind is not
	Method         string
	Worker         int
	Attempt        int
}

// Matches reports whether d matches m.
func (m Match) Matches(d Delivery) bool {
	kind := m.Kind
	if kind == "" && m.Method != "" {
		kind = KindMessage
	}
	return (m.VatID == "" || m.VatID == d.VatID) &&
		(m.VatName == "" || m.VatName == d.VatName) &&
		(kind == "" || kind == d.Kind) &&
		(m.Method == "" || m.Method == d.Method) &&
		(m.Worker == 0 || m.Worker == d.Worker) &&
		(m.Attempt == 0 || m.Attempt == d.Attempt)
}

// Then is the rule "f for every delivery that matches m".
func (m Match) Then(f Fault) Rule {
	return func(d Delivery) Fault {
		if m.Matches(d) {
			return f
		}
		return Answer
	}
}

// Launcher is a fake platform.Launcher. Its zero value is not usable; call New.
type Launcher struct {
	mu         sync.Mutex
	defs       map[string]BuildFunc // by bundle script
	rules      []Rule
	launchRule func(platform.WorkerSpec) error
	current    map[string]*Worker // latest worker by vat id
	launched   map[string]int     // workers launched per vat id
	all        []*Worker
	log        []Delivery
	attempts   map[attemptKey]int
	nextPID    int
	closed     bool
}

type attemptKey struct{ vat, kind, method string }

var _ platform.Launcher = (*Launcher)(nil)

// New returns a launcher with no vats defined and no faults.
func New() *Launcher {
	return &Launcher{
		defs:     map[string]BuildFunc{},
		current:  map[string]*Worker{},
		launched: map[string]int{},
		attempts: map[attemptKey]int{},
		nextPID:  100000,
	}
}

// Define makes build the vat whose StartVat carries bundle as its script
// (router.VatSpec.Script). A worker started with a bundle that was never
// defined fails its StartVat.
func (l *Launcher) Define(bundle string, build BuildFunc) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.defs[bundle] = build
}

// Fault adds a rule. For each delivery the rules run in the order they were
// added until one returns something other than Answer.
func (l *Launcher) Fault(r Rule) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rules = append(l.rules, r)
}

// FailLaunch makes Launch call f first and fail with its error, if any.
func (l *Launcher) FailLaunch(f func(spec platform.WorkerSpec) error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.launchRule = f
}

// Launch starts a fake worker for spec: it runs nothing until its StartVat.
func (l *Launcher) Launch(ctx context.Context, spec platform.WorkerSpec) (platform.Worker, error) {
	if spec.VatID == "" {
		return nil, fmt.Errorf("platformtest: WorkerSpec.VatID is required")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("platformtest: launching vat %s: %w", spec.VatID, err)
	}
	l.mu.Lock()
	rule, closed := l.launchRule, l.closed
	l.mu.Unlock()
	if closed {
		return nil, platform.ErrClosed
	}
	if rule != nil {
		if err := rule(spec); err != nil {
			return nil, fmt.Errorf("platformtest: launching vat %s: %w", spec.VatID, err)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, platform.ErrClosed
	}
	l.launched[spec.VatID]++
	l.nextPID++
	w := newWorker(l, spec, l.launched[spec.VatID], l.nextPID)
	l.current[spec.VatID] = w
	l.all = append(l.all, w)
	return w, nil
}

// Close kills every live worker and refuses later launches.
func (l *Launcher) Close() error {
	l.mu.Lock()
	l.closed = true
	all := slices.Clone(l.all)
	l.mu.Unlock()
	for _, w := range all {
		_ = w.Kill()
	}
	return nil
}

// Worker returns the latest worker launched for a vat id (it may have
// exited since), or nil if none was.
func (l *Launcher) Worker(vatID string) *Worker {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.current[vatID]
}

// Launched counts the workers launched for a vat id.
func (l *Launcher) Launched(vatID string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.launched[vatID]
}

// Live lists, sorted, the vat ids whose workers have not exited.
func (l *Launcher) Live() []string {
	l.mu.Lock()
	all := slices.Clone(l.all)
	l.mu.Unlock()
	var ids []string
	for _, w := range all {
		if !w.exited() {
			ids = append(ids, w.spec.VatID)
		}
	}
	sort.Strings(ids)
	return ids
}

// Deliveries lists what the workers of a vat id received, faulted
// deliveries included, in order.
func (l *Launcher) Deliveries(vatID string) []Delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Delivery
	for _, d := range l.log {
		if d.VatID == vatID {
			out = append(out, d)
		}
	}
	return out
}

// All lists every delivery to every vat, in the order they arrived.
func (l *Launcher) All() []Delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.log)
}

// Count counts the deliveries to any vat that m matches.
func (l *Launcher) Count(m Match) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, d := range l.log {
		if m.Matches(d) {
			n++
		}
	}
	return n
}

// decide describes d, runs the rules on it and logs it.
func (l *Launcher) decide(w *Worker, raw *workerpb.Delivery) Delivery {
	d := Delivery{VatID: w.spec.VatID, VatName: w.spec.VatName, Worker: w.n, Raw: raw}
	d.Kind, d.Target, d.Method = describe(raw)
	l.mu.Lock()
	key := attemptKey{d.VatID, d.Kind, d.Method}
	l.attempts[key]++
	d.Attempt = l.attempts[key]
	rules := slices.Clone(l.rules)
	l.mu.Unlock()
	for _, r := range rules {
		if d.Fault = r(d); d.Fault != Answer {
			break
		}
	}
	l.mu.Lock()
	d.Seq = len(l.log) + 1
	l.log = append(l.log, d)
	l.mu.Unlock()
	return d
}

func (l *Launcher) build(bundle string) (BuildFunc, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.defs[bundle]
	return b, ok
}
