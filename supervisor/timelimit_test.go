package supervisor

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// The limits under test. Vat code that spins runs into them; code that
// does not must stay well within, even on a loaded machine, so the limit
// is generous wherever a healthy delivery comes first.
const (
	shortLimit    = 200 * time.Millisecond
	generousLimit = 2 * time.Second
)

// spinWriter logs to the test and closes spinning when the vat logs that
// it starts to spin. Lines after the test are dropped.
type spinWriter struct {
	mu       sync.Mutex
	t        testing.TB
	done     bool
	once     sync.Once
	spinning chan struct{}
}

func (w *spinWriter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "spin starts") {
		w.once.Do(func() { close(w.spinning) })
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// startSpinVat starts a vat loop over the real liveslots runtime; spinning
// is closed once the vat's code starts to spin.
func startSpinVat(t *testing.T) (v *vatLoop, spinning <-chan struct{}) {
	t.Helper()
	w := &spinWriter{t: t, spinning: make(chan struct{})}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	logger := hclog.New(&hclog.LoggerOptions{Name: t.Name(), Level: hclog.Debug, Output: w})
	v = startVat(logger, newDefaultRuntime(nil), nil)
	t.Cleanup(func() { v.close(10 * time.Second) })
	return v, w.spinning
}

func spinStart(t *testing.T, limit time.Duration, params string, globals ...string) *workerpb.Delivery {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "spin.js"))
	if err != nil {
		t.Fatal(err)
	}
	return &workerpb.Delivery{Id: 1, Kind: &workerpb.Delivery_StartVat{StartVat: &workerpb.StartVat{
		VatId:               "v1",
		Name:                "spin",
		Bundle:              string(src),
		Parameters:          &workerpb.CapData{Body: params},
		Globals:             globals,
		DeliveryTimeLimitMs: uint64(limit.Milliseconds()),
	}}}
}

func callRoot(id uint64, method string) *workerpb.Delivery {
	return &workerpb.Delivery{Id: id, Kind: &workerpb.Delivery_Message{Message: &workerpb.Message{
		Target: "o+0", Methargs: &workerpb.CapData{Body: `#["` + method + `",[]]`}, Result: "p-1",
	}}}
}

func flush(id uint64) *workerpb.Delivery {
	return &workerpb.Delivery{Id: id, Kind: &workerpb.Delivery_Flush{Flush: &workerpb.Empty{}}}
}

func mustSucceed(t *testing.T, r *workerpb.DeliveryResult) {
	t.Helper()
	if r.GetError() != "" || r.GetTimeLimitExceeded() {
		t.Fatalf("delivery %d failed: %v", r.GetId(), r)
	}
}

// mustBeOverLimit checks a time-limit answer: the flag, the text, no
// syscalls, the delivery's id.
func mustBeOverLimit(t *testing.T, r *workerpb.DeliveryResult, id uint64, want string) {
	t.Helper()
	if !r.GetTimeLimitExceeded() || r.GetError() != want || len(r.GetSyscalls()) != 0 || r.GetId() != id {
		t.Fatalf("delivery %d answered %v\nwant time_limit_exceeded, error %q, no syscalls", id, r, want)
	}
}

func TestTimeLimitInterruptsASpinningDelivery(t *testing.T) {
	v, _ := startSpinVat(t)
	mustSucceed(t, run(t, v, spinStart(t, generousLimit, "#null")))
	mustSucceed(t, run(t, v, callRoot(2, "hello")))
	if r := run(t, v, withID(testutil.Ping(), 3)); r.GetPong() != "pong" {
		t.Fatalf("ping between deliveries answered %v", r)
	}
	want := "the delivery ran past the delivery time limit of 2s"
	mustBeOverLimit(t, run(t, v, callRoot(4, "spin")), 4, want)
	// The vat is broken for good: every later delivery, a ping too, gets
	// the same answer.
	mustBeOverLimit(t, run(t, v, callRoot(5, "hello")), 5, want)
	mustBeOverLimit(t, run(t, v, withID(testutil.Ping(), 6)), 6, want)
}

func TestTimeLimitInterruptsASpinningBuildRootObject(t *testing.T) {
	v, _ := startSpinVat(t)
	want := "starting the vat (its bundle and buildRootObject) ran past the delivery time limit of 200ms"
	mustBeOverLimit(t, run(t, v, spinStart(t, shortLimit, `#{"spinAtStart":true}`)), 1, want)
	mustBeOverLimit(t, run(t, v, callRoot(2, "hello")), 2, want)
}

func TestTimeLimitInterruptsASpinningTimerCallback(t *testing.T) {
	v, spinning := startSpinVat(t)
	mustSucceed(t, run(t, v, spinStart(t, generousLimit, "#null", "setTimeout")))
	mustSucceed(t, run(t, v, callRoot(2, "spinLater")))
	select {
	case <-spinning: // logged from the vat goroutine, as the callback starts
	case <-time.After(60 * time.Second):
		t.Fatal("the timer callback did not run")
	}
	// A ping sent while the callback spins is answered once it is
	// interrupted: the vat is broken by then.
	want := "a timer or fetch callback between deliveries ran past the delivery time limit of 2s"
	mustBeOverLimit(t, run(t, v, withID(testutil.Ping(), 3)), 3, want)
	// The kernel is asked for a crank, so that its flush learns of it.
	select {
	case <-v.wantCrank:
	default:
		t.Fatal("no wantCrank after the callback ran past the limit")
	}
	mustBeOverLimit(t, run(t, v, flush(4)), 4, want)
}

// Any runtime is timed: the supervisor reads the limit from StartVat and
// interrupts through Interrupter, and it replaces what the interrupted
// delivery answered (here, syscalls) with the time-limit answer.
func TestTimeLimitWithAScriptedRuntime(t *testing.T) {
	interrupted := make(chan error, 1)
	rt := &interruptibleRuntime{interrupted: interrupted}
	rt.scriptedRuntime = newScripted(func(d *workerpb.Delivery) *workerpb.DeliveryResult {
		if d.GetMessage() != nil {
			for { // spins until the watchdog interrupts it: the limit counts CPU time
				select {
				case <-interrupted:
					return &workerpb.DeliveryResult{Error: "interrupted", Syscalls: testutil.FakeSyscalls()}
				default:
				}
			}
		}
		return &workerpb.DeliveryResult{}
	})
	v := startVat(testutil.Logger(t), func(hclog.Logger, func()) (Runtime, error) { return rt, nil }, nil)
	defer v.close(time.Second)
	start := &workerpb.Delivery{Id: 1, Kind: &workerpb.Delivery_StartVat{StartVat: &workerpb.StartVat{DeliveryTimeLimitMs: 150}}}
	mustSucceed(t, run(t, v, start))
	want := "the delivery ran past the delivery time limit of 150ms"
	mustBeOverLimit(t, run(t, v, withID(testutil.Message("o+0", "#[]"), 2)), 2, want)
	mustBeOverLimit(t, run(t, v, withID(testutil.Ping(), 3)), 3, want)
}

type interruptibleRuntime struct {
	*scriptedRuntime
	interrupted chan error
}

func (r *interruptibleRuntime) Interrupt(reason error) { r.interrupted <- reason }

func TestLimitFromMillis(t *testing.T) {
	for ms, want := range map[uint64]time.Duration{
		0:                  0,
		1:                  time.Millisecond,
		30000:              30 * time.Second,
		1 << 62:            0, // too large for a Duration: no limit
		^uint64(0):         0,
		9223372036854:      9223372036854 * time.Millisecond,
		9223372036854 + 10: 0,
	} {
		if got := limitFromMillis(ms); got != want {
			t.Errorf("limitFromMillis(%d) = %v, want %v", ms, got, want)
		}
	}
}

// The limit counts the worker's CPU time, not wall time: a delivery that
// waits (as one on a busy machine does, runnable but not running) is not
// cut short at the limit in wall time; one that computes is.
func TestTimeLimitCountsCPUTime(t *testing.T) {
	interrupted := make(chan error, 1)
	rt := &interruptibleRuntime{interrupted: interrupted}
	rt.scriptedRuntime = newScripted(func(d *workerpb.Delivery) *workerpb.DeliveryResult {
		if d.GetMessage() != nil {
			select {
			case <-interrupted:
				return &workerpb.DeliveryResult{Error: "interrupted"}
			case <-time.After(600 * time.Millisecond): // idle: about no CPU time
				return &workerpb.DeliveryResult{}
			}
		}
		return &workerpb.DeliveryResult{}
	})
	v := startVat(testutil.Logger(t), func(hclog.Logger, func()) (Runtime, error) { return rt, nil }, nil)
	defer v.close(time.Second)
	start := &workerpb.Delivery{Id: 1, Kind: &workerpb.Delivery_StartVat{StartVat: &workerpb.StartVat{DeliveryTimeLimitMs: 200}}}
	mustSucceed(t, run(t, v, start))
	mustSucceed(t, run(t, v, withID(testutil.Message("o+0", "#[]"), 2)))
}
