package supervisor

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// scriptedRuntime answers with whatever its deliver func says.
type scriptedRuntime struct {
	deliver func(*workerpb.Delivery) *workerpb.DeliveryResult
	closed  chan struct{}
}

func (r *scriptedRuntime) Deliver(d *workerpb.Delivery) *workerpb.DeliveryResult { return r.deliver(d) }
func (r *scriptedRuntime) Close()                                                { close(r.closed) }

func newScripted(deliver func(*workerpb.Delivery) *workerpb.DeliveryResult) *scriptedRuntime {
	return &scriptedRuntime{deliver: deliver, closed: make(chan struct{})}
}

// run hands d to the vat loop and waits for its result.
func run(t *testing.T, v *vatLoop, d *workerpb.Delivery) *workerpb.DeliveryResult {
	t.Helper()
	got := make(chan *workerpb.DeliveryResult, 1)
	v.jobs <- job{d: d, reply: func(r *workerpb.DeliveryResult) { got <- r }}
	select {
	case r := <-got:
		return r
	case <-time.After(time.Minute):
		// Only a guard against a hang: vat code that was never
		// interrupted, or a loop that lost the delivery.
		t.Fatalf("delivery %d: no result", d.GetId())
		return nil
	}
}

func withID(d *workerpb.Delivery, id uint64) *workerpb.Delivery {
	d.Id = id
	return d
}

func TestVatLoopSetsResultID(t *testing.T) {
	rt := newScripted(func(*workerpb.Delivery) *workerpb.DeliveryResult {
		return &workerpb.DeliveryResult{Id: 999, Pong: "pong"}
	})
	v := startVat(testutil.Logger(t), func(hclog.Logger, func()) (Runtime, error) { return rt, nil }, nil)
	defer v.close(time.Second)
	if r := run(t, v, withID(testutil.Ping(), 42)); r.GetId() != 42 || r.GetPong() != "pong" {
		t.Fatalf("result %v, want id 42 and pong", r)
	}
}

func TestVatLoopRecoversPanics(t *testing.T) {
	calls := 0
	rt := newScripted(func(*workerpb.Delivery) *workerpb.DeliveryResult {
		calls++
		if calls == 1 {
			panic("boom")
		}
		return nil
	})
	v := startVat(testutil.Logger(t), func(hclog.Logger, func()) (Runtime, error) { return rt, nil }, nil)
	defer v.close(time.Second)
	if r := run(t, v, withID(testutil.Ping(), 1)); r.GetId() != 1 || !strings.Contains(r.GetError(), "boom") {
		t.Fatalf("panicking delivery answered %v", r)
	}
	if r := run(t, v, withID(testutil.Ping(), 2)); r.GetId() != 2 || !strings.Contains(r.GetError(), "no delivery result") {
		t.Fatalf("nil result answered %v", r)
	}
}

func TestVatLoopStartFailures(t *testing.T) {
	for name, newRuntime := range map[string]NewRuntimeFunc{
		"missing": nil,
		"error":   func(hclog.Logger, func()) (Runtime, error) { return nil, errors.New("no goja today") },
		"panic":   func(hclog.Logger, func()) (Runtime, error) { panic("init exploded") },
		"nil":     func(hclog.Logger, func()) (Runtime, error) { return nil, nil },
	} {
		t.Run(name, func(t *testing.T) {
			v := startVat(testutil.Logger(t), newRuntime, nil)
			defer v.close(time.Second)
			r := run(t, v, withID(testutil.Ping(), 7))
			if r.GetId() != 7 || !strings.HasPrefix(r.GetError(), "starting vat runtime: ") {
				t.Fatalf("delivery answered %v", r)
			}
		})
	}
}

func TestVatLoopWantCrankAndClose(t *testing.T) {
	rt := newScripted(func(*workerpb.Delivery) *workerpb.DeliveryResult { return &workerpb.DeliveryResult{} })
	var wantCrank func()
	v := startVat(testutil.Logger(t), func(_ hclog.Logger, w func()) (Runtime, error) {
		wantCrank = w
		return rt, nil
	}, nil)
	run(t, v, testutil.Ping()) // the runtime exists once a delivery is answered
	wantCrank()
	wantCrank() // requests coalesce: this one must not block
	select {
	case <-v.wantCrank:
	default:
		t.Fatal("wantCrank not signalled")
	}
	v.close(10 * time.Second)
	select {
	case <-rt.closed:
	default:
		t.Fatal("runtime not closed")
	}
	v.close(time.Second) // idempotent
}

func TestVatLoopCloseDoesNotWaitForAStuckDelivery(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	rt := newScripted(func(*workerpb.Delivery) *workerpb.DeliveryResult {
		close(started)
		<-release
		return &workerpb.DeliveryResult{}
	})
	v := startVat(testutil.Logger(t), func(hclog.Logger, func()) (Runtime, error) { return rt, nil }, nil)
	v.jobs <- job{d: testutil.Ping(), reply: func(*workerpb.DeliveryResult) {}}
	<-started
	done := make(chan struct{})
	go func() { v.close(10 * time.Millisecond); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("close waited for a stuck delivery")
	}
}

func TestWatchParent(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	ppid := make(chan int, 1)
	current := 100
	var polls atomic.Int32
	getppid := func() int {
		polls.Add(1)
		select {
		case current = <-ppid:
		default:
		}
		return current
	}
	gone := watchParent(stop, time.Millisecond, getppid)
	testutil.WaitFor(t, 10*time.Second, "the watcher to poll", func() bool { return polls.Load() > 20 })
	select {
	case <-gone:
		t.Fatal("parent reported gone while unchanged")
	default:
	}
	ppid <- 1 // re-parented to init
	testutil.WaitFor(t, 10*time.Second, "the parent change to be seen", func() bool {
		select {
		case <-gone:
			return true
		default:
			return false
		}
	})
}

// loopRuntime is a scripted runtime with an event loop.
type loopRuntime struct {
	*scriptedRuntime
	ready     chan struct{}
	ran       chan struct{}
	inDeliver atomic.Bool
	overlap   atomic.Bool
}

func (r *loopRuntime) Ready() <-chan struct{} { return r.ready }
func (r *loopRuntime) RunPending() {
	if r.inDeliver.Load() {
		r.overlap.Store(true)
	}
	r.ran <- struct{}{}
}

func TestVatLoopRunsTheEventLoopBetweenDeliveries(t *testing.T) {
	rt := &loopRuntime{ready: make(chan struct{}, 1), ran: make(chan struct{}, 10)}
	release := make(chan struct{})
	rt.scriptedRuntime = newScripted(func(d *workerpb.Delivery) *workerpb.DeliveryResult {
		rt.inDeliver.Store(true)
		defer rt.inDeliver.Store(false)
		if d.GetId() == 1 {
			rt.ready <- struct{}{} // callbacks queued during a delivery wait for it to end
			<-release
		}
		return &workerpb.DeliveryResult{}
	})
	v := startVat(testutil.Logger(t), func(hclog.Logger, func()) (Runtime, error) { return rt, nil }, nil)
	defer v.close(time.Second)
	got := make(chan *workerpb.DeliveryResult, 1)
	v.jobs <- job{d: withID(testutil.Ping(), 1), reply: func(r *workerpb.DeliveryResult) { got <- r }}
	select {
	case <-rt.ran:
		t.Fatal("RunPending ran during a delivery")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-got
	select {
	case <-rt.ran:
	case <-time.After(10 * time.Second):
		t.Fatal("RunPending did not run after the delivery")
	}
	if rt.overlap.Load() {
		t.Fatal("RunPending overlapped a delivery")
	}
}
