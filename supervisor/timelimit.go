package supervisor

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// timelimit.go: the worker's own enforcement of the delivery time limit.
//
// The kernel sends the limit in StartVat. From then on every run of vat
// code (each delivery, startVat itself, and each run of timer and fetch
// callbacks between deliveries) gets a watchdog: at the limit, counted in
// the worker's CPU time, it interrupts
// the runtime (see Interrupter), so the vat goroutine gets control back and
// answers, instead of leaving the kernel to kill a worker that spins. Vat
// code that was cut short has left its state half-changed, so the vat is
// broken from then on: every later delivery gets the same time-limit
// answer, and the kernel terminates the vat.

// What ran past the limit, in the error texts.
const (
	whatStart     = "starting the vat (its bundle and buildRootObject)"
	whatDelivery  = "the delivery"
	whatCallbacks = "a timer or fetch callback between deliveries"
)

// limitFromMillis converts StartVat.delivery_time_limit_ms; 0, and values
// too large for a time.Duration, mean no limit.
func limitFromMillis(ms uint64) time.Duration {
	if ms > math.MaxInt64/uint64(time.Millisecond) {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

// overLimit is the message for what ran past limit.
func overLimit(what string, limit time.Duration) string {
	return fmt.Sprintf("%s ran past the delivery time limit of %s", what, limit)
}

// timeLimitResult answers a delivery to a vat whose code ran past the
// limit. It carries no syscalls: nothing the vat did may be applied.
func timeLimitResult(id uint64, msg string) *workerpb.DeliveryResult {
	return &workerpb.DeliveryResult{Id: id, Error: msg, TimeLimitExceeded: true}
}

// watchdog times one run of vat code by the CPU time the worker uses, so
// that a busy machine, which gives the vat less of each second, does not
// make an honest delivery look too long. A worker runs one vat on one P:
// its CPU time is that vat's code plus the Go runtime's small share.
type watchdog struct {
	mu     sync.Mutex
	timer  *time.Timer
	start  time.Duration // cpuTime when the run began
	done   bool          // the run is over: checks do nothing
	firing bool          // a check found the limit reached
	fired  chan struct{} // closed once that check has interrupted
	msg    string
}

// minRecheck is the shortest wait before a watchdog looks again.
const minRecheck = 10 * time.Millisecond

// arm starts a watchdog for one run of vat code (what, for the message),
// or returns nil when there is no limit.
func (v *vatLoop) arm(rt Runtime, what string) *watchdog {
	if v.limit <= 0 {
		return nil
	}
	w := &watchdog{fired: make(chan struct{}), msg: overLimit(what, v.limit), start: cpuTime()}
	in, _ := rt.(Interrupter)
	var check func()
	check = func() {
		w.mu.Lock()
		if w.done {
			w.mu.Unlock()
			return
		}
		// CPU time never runs ahead of wall time: the first check comes at
		// the limit in wall time, later ones when the vat could have used
		// what it has left.
		if used := cpuTime() - w.start; used < v.limit {
			w.timer = time.AfterFunc(max(v.limit-used, minRecheck), check)
			w.mu.Unlock()
			return
		}
		w.firing = true
		w.mu.Unlock()
		defer close(w.fired)
		if in == nil {
			return
		}
		defer func() {
			if r := recover(); r != nil {
				v.logger.Error("vat runtime panicked while being interrupted", "panic", r)
			}
		}()
		in.Interrupt(errors.New(w.msg))
	}
	w.mu.Lock()
	w.timer = time.AfterFunc(v.limit, check)
	w.mu.Unlock()
	return w
}

// stop disarms w once its run is over and reports whether the limit was
// reached first. Then the run counts as over the limit even if it ended on
// its own meanwhile: the interrupt may already be on its way, and the
// runtime is not to be used again. stop returns only once the interrupt,
// if any, has been made, so none lands on later work.
func (w *watchdog) stop() bool {
	if w == nil {
		return false
	}
	w.mu.Lock()
	w.done = true
	w.timer.Stop()
	firing := w.firing
	w.mu.Unlock()
	if !firing {
		return false
	}
	<-w.fired
	return true
}

var processStart = time.Now()

// wallSinceStart stands in for CPU time where it cannot be read: wall
// time is never less.
func wallSinceStart() time.Duration { return time.Since(processStart) }
