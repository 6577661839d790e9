package liveslots

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// signalWriter logs to the test and closes seen when a line contains want.
type signalWriter struct {
	t    testing.TB
	want string
	once sync.Once
	seen chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	if strings.Contains(string(p), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

// newSignalVat is a vat whose seen channel closes when it logs want.
func newSignalVat(t *testing.T, want string) (*Vat, <-chan struct{}) {
	t.Helper()
	w := &signalWriter{t: t, want: want, seen: make(chan struct{})}
	v, err := New(hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: w}), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v, w.seen
}

func evaluateDelivery(src string) *workerpb.Delivery {
	arg, _ := json.Marshal(src)
	return messageDelivery("o+0", capdata(`#["evaluate",[`+string(arg)+`]]`), "p-1")
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

var errTestLimit = errors.New("test limit reached")

// Interrupt stops a delivery that spins, from another goroutine, and the
// vat runs no JavaScript after it.
func TestInterruptStopsASpinningDelivery(t *testing.T) {
	v, spinning := newSignalVat(t, "spin starts")
	if res := v.Deliver(startDelivery(readBundle(t, "basic.js"), nil, nil)); res.Error != "" {
		t.Fatal(res.Error)
	}
	done := make(chan *workerpb.DeliveryResult, 1)
	go func() { done <- v.Deliver(evaluateDelivery(`console.log('spin starts'); for (;;) {}`)) }()
	waitClosed(t, spinning, "the delivery to spin")
	v.Interrupt(errTestLimit)
	var res *workerpb.DeliveryResult
	select {
	case res = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the spinning delivery was not interrupted")
	}
	if !strings.Contains(res.Error, errTestLimit.Error()) {
		t.Fatalf("interrupted delivery answered %v", res)
	}
	res = v.Deliver(evaluateDelivery(`1 + 1`))
	if !strings.Contains(res.Error, "the vat was interrupted: "+errTestLimit.Error()) || len(res.Syscalls) != 0 {
		t.Fatalf("delivery after the interrupt answered %v", res)
	}
}

// An interrupted callback ends its RunPending, and the callbacks queued
// after it never run.
func TestInterruptStopsASpinningCallback(t *testing.T) {
	v, spinning := newSignalVat(t, "spin starts")
	res := startWith(t, v, "timers.js", func(s *workerpb.StartVat) { s.Globals = []string{"setTimeout"} })
	if res.Error != "" {
		t.Fatal(res.Error)
	}
	// Two timers, due at once, fire in the order they were set: the
	// spinning one, then one whose callback sends.
	deliverOK(t, v, evaluateDelivery(`setTimeout(() => { console.log('spin starts'); for (;;) {} }, 0); 0`))
	call(t, v, `#["later",["$0.Alleged: target",0]]`, "o-1")
	waitFor(t, "both callbacks to be queued", func() bool {
		v.loop.mu.Lock()
		defer v.loop.mu.Unlock()
		return len(v.loop.queue) == 2
	})
	ran := make(chan struct{})
	go func() { v.RunPending(); close(ran) }()
	waitClosed(t, spinning, "the callback to spin")
	v.Interrupt(errTestLimit)
	waitClosed(t, ran, "RunPending to return after the interrupt")
	if len(v.pending) != 0 {
		t.Fatalf("the callback queued after the spin ran: %v", describeAll(v.pending))
	}
	v.loop.enqueue(func() { t.Error("a callback ran after the interrupt") })
	v.RunPending()
	if res := v.Deliver(&workerpb.Delivery{Kind: &workerpb.Delivery_Flush{Flush: &workerpb.Empty{}}}); !strings.Contains(res.Error, "interrupted") {
		t.Fatalf("flush after the interrupt answered %v", res)
	}
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
