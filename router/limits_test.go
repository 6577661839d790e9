package router_test

// The kernel's limits: the delivery time limit, what it checks of a vat's
// capability data, io channels no name reaches, pings that cannot stall
// the loop; and regression tests for bugs of the death count and of
// launches.

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/router"
)

// Rule (DESIGN 19): a delivery past Config.DeliveryTimeout is not a death:
// the vat is terminated at once, with a reason naming the limit, and the
// delivery is not retried.
func TestDeliveryTimeLimitTerminatesAtOnce(t *testing.T) {
	t.Parallel()
	const limit = 300 * time.Millisecond
	h := newHarness(t, func(c *router.Config) { c.DeliveryTimeout = limit })
	defineVat(h.l, "alice", nil)
	defineVat(h.l, "bob", nil)
	h.l.Fault(platformtest.Match{VatName: "alice", Method: "spin"}.Then(platformtest.Hang))
	sc := h.launch(cluster("alice", "bob"))
	h.rejects(sc.Root, "spin", nil, "[KERNEL:VAT_TERMINATED] vat v1 was terminated", limit.String())
	if n := h.l.Count(platformtest.Match{VatName: "alice", Method: "spin"}); n != 1 {
		t.Fatalf("spin was delivered %d times, want exactly 1 (no retry)", n)
	}
	if n := h.l.Launched("v1"); n != 1 {
		t.Fatalf("alice had %d workers, want 1 (no restart)", n)
	}
	h.requireTerminated("v1", sc.Root, limit.String())
	h.mustCall(sc.Roots["bob"], "hello")
}

// Rule (DESIGN 19, "a malformed message" is an illegal syscall): capability
// data a worker sends that is not valid smallcaps terminates the vat that
// sent it, never the one it was meant for.
func TestMalformedCapDataTerminatesSender(t *testing.T) {
	t.Parallel()
	sends := map[string]marshal.CapData{
		"send body not smallcaps":        {Body: `#["foo",`},
		"send slot index out of range":   {Body: `#["foo",["$1"]]`, Slots: []string{"o+0"}},
		"send promise mark on an object": {Body: `#["foo",["&0"]]`, Slots: []string{"o+0"}},
	}
	for name, body := range sends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			defineVat(h.l, "alice", func(v *platformtest.Vat) {
				v.Root().On("sendBad", func(c *platformtest.Call) {
					c.SendRaw(c.Arg(0).(marshal.Ref).Kref, body, "")
					c.Return("sent")
				})
			})
			defineVat(h.l, "bob", nil)
			sc := h.launch(cluster("alice", "bob"))
			bob := sc.Roots["bob"]
			h.rejects(sc.Root, "sendBad", []any{ref(bob)}, "[KERNEL:VAT_TERMINATED] vat v1 was terminated")
			h.requireTerminated("v1", sc.Root)
			if got := h.mustCall(bob, "hello"); got != "bob says hello" {
				t.Fatalf("bob after alice's bad send: %v", got)
			}
			for _, d := range h.l.Deliveries("v2") {
				if d.Kind == platformtest.KindMessage && d.Method == "" {
					t.Fatalf("bob was delivered the malformed message %v", d.Raw)
				}
			}
		})
	}

	t.Run("resolution to a vat", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		defineVat(h.l, "alice", func(v *platformtest.Vat) {
			v.Root().On("ask", func(c *platformtest.Call) {
				c.Subscribe(c.Send(c.Arg(0), "answerBadly"))
				c.Return("asked")
			})
		})
		defineVat(h.l, "bob", func(v *platformtest.Vat) {
			v.Root().On("answerBadly", func(c *platformtest.Call) {
				c.ResolveRaw(c.Result, false, marshal.CapData{Body: `#{`})
			})
		})
		sc := h.launch(cluster("alice", "bob"))
		h.mustCall(sc.Root, "ask", ref(sc.Roots["bob"]))
		h.mustCall(sc.Root, "hello") // queued after answerBadly: it has run
		h.requireTerminated("v2", sc.Roots["bob"])
		// Queued after the notify answerBadly's crank made for alice.
		if got, err := h.call(sc.Root, "hello"); err != nil || got != "alice says hello" {
			t.Fatalf("alice after bob's bad resolution: %v, %v", got, err)
		}
	})

	t.Run("resolution to the host", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		defineVat(h.l, "alice", func(v *platformtest.Vat) {
			v.Root().On("answerBadly", func(c *platformtest.Call) {
				c.ResolveRaw(c.Result, false, marshal.CapData{Body: `#["$0"]`})
			})
		})
		sc := h.launch(cluster("alice"))
		h.rejects(sc.Root, "answerBadly", nil, "[KERNEL:VAT_TERMINATED] vat v1 was terminated")
	})
}

// Rule (DESIGN 22): a subcluster's io channels belong to it alone: no
// other config can name them, not even by their kernel service name.
func TestIOChannelsNotReachableFromOtherSubclusters(t *testing.T) {
	t.Parallel()
	io := &fakeIO{}
	h := newHarness(t, func(c *router.Config) { c.OpenIO = io.open })
	defineVat(h.l, "alice", nil)
	defineVat(h.l, "mallory", nil)
	owner := cluster("alice")
	owner.IO = map[string]json.RawMessage{"out": json.RawMessage(`{}`)}
	sc := h.launch(owner)
	thief := cluster("mallory")
	name := "io." + sc.ID + ".out"
	thief.Services = []string{name}
	if _, err := h.r.Launch(h.ctx, thief); !contains(err, `unknown kernel service "`+name+`"`) {
		t.Fatalf("a launch naming another subcluster's io channel %s: %v", name, err)
	}
	if vats, _ := h.status(); len(vats) != 1 {
		t.Fatalf("vats: %v", vats)
	}
}

// Rule (DESIGN 22): "A config's services may list its own io entries (the
// JavaScript kernel's spelling)". The router refuses them as unknown
// services. (The root package's ClusterConfig.Validate refuses them too,
// with "io %q has the name of a service"; either layer may implement the
// rule, this test puts it in the router.)
func TestOwnIOListedInServices(t *testing.T) {
	t.Parallel()
	io := &fakeIO{}
	h := newHarness(t, func(c *router.Config) { c.OpenIO = io.open })
	defineVat(h.l, "alice", nil)
	spec := cluster("alice")
	spec.IO = map[string]json.RawMessage{"out": json.RawMessage(`{}`)}
	spec.Services = []string{"out"}
	sc := h.launch(spec)
	if got := h.mustCall(sc.Root, "service", "out", "write", "x"); got != "write done" {
		t.Fatalf("out.write = %v", got)
	}
}

// Rule (DESIGN 19, and the kernel's loop must not wait on one worker):
// PingVat of a vat whose worker never answers fails after a deadline and
// does not hold up other vats' deliveries meanwhile.
func TestPingVatDoesNotStall(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *router.Config) { c.DeliveryTimeout = 300 * time.Millisecond })
	defineVat(h.l, "alice", nil)
	defineVat(h.l, "bob", nil)
	entered := make(chan struct{})
	h.l.Fault(func(d platformtest.Delivery) platformtest.Fault {
		if d.VatName == "alice" && d.Kind == platformtest.KindPing {
			close(entered)
			return platformtest.Hang
		}
		return platformtest.Answer
	})
	sc := h.launch(cluster("alice", "bob"))
	// Should the router still wait on the hung ping when the test ends,
	// free it first, so that the test fails rather than hangs.
	t.Cleanup(func() { _ = h.l.Worker("v1").Kill() })
	ping := make(chan error, 1)
	go func() {
		_, err := h.r.PingVat(context.Background(), "v1")
		ping <- err
	}()
	<-entered
	ctx, cancel := context.WithTimeout(h.ctx, 20*time.Second) // liveness only
	defer cancel()
	if got, err := callOn(ctx, h.r, sc.Roots["bob"], "hello"); err != nil || got != "bob says hello" {
		t.Fatalf("bob while alice's ping hangs: %v, %v", got, err)
	}
	select {
	case err := <-ping:
		if err == nil {
			t.Fatal("PingVat of a worker that never answers succeeded")
		}
	case <-time.After(liveness):
		t.Fatal("PingVat of a worker that never answers never returned")
	}
}

// Deaths count per piece of work: a death in a flush (never retried) does
// not count against the next delivery, whose first death still gets a
// restart and a retry.
func TestDeathCountIsPerDelivery(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var results []string // alice's
	waiterVat(h.l, "alice", &results)
	h.l.Fault(platformtest.Match{VatName: "alice", Kind: platformtest.KindFlush, Attempt: 1}.Then(platformtest.Die))
	h.l.Fault(platformtest.Match{VatName: "alice", Method: "hello", Attempt: 1}.Then(platformtest.Die))
	sc := h.launch(cluster("alice"))
	call := h.goCall(sc.Root, "wait")
	testutil.WaitFor(t, liveness, "wait to be delivered", func() bool {
		return h.l.Count(platformtest.Match{VatName: "alice", Method: "wait"}) == 1
	})
	h.l.Worker("v1").Outside(func(v *platformtest.Vat) { v.Resolve(results[0], "tick") })
	_, _ = call.wait() // rejected: alice restarted (see TestWorkerDiesInFlush)
	// One death in hello: restart and retry, as for any first death.
	if got, err := h.call(sc.Root, "hello"); err != nil || got != "alice says hello" {
		t.Fatalf("hello through its first death: %v, %v", got, err)
	}
}

// A vat that exits in buildRootObject during a launch fails the launch,
// which says that the vat ended and why.
func TestExitDuringLaunchFailsIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", nil)
	h.l.Define("bob", func(v *platformtest.Vat) error { v.Exit(false, "bye"); return nil })
	_, err := h.r.Launch(h.ctx, cluster("alice", "bob"))
	if !contains(err, "v2") || !contains(err, "exited") {
		t.Fatalf("launch of a subcluster whose vat exits while starting: %v", err)
	}
	h.requireNothingLeft()
}
