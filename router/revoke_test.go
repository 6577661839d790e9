package router_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/router"
)

// thingVat hands out objects: makeThing() returns a new one whose foo()
// answers "foo".
func thingVat(l *platformtest.Launcher, name string) {
	defineVat(l, name, func(v *platformtest.Vat) {
		v.Root().
			On("makeThing", func(c *platformtest.Call) {
				thing := c.NewObject("Alleged: thing")
				thing.On("foo", func(c *platformtest.Call) { c.Return("foo") })
				c.Return(thing.Ref())
			}).
			On("foo", func(c *platformtest.Call) { c.Return("root foo") })
	})
}

// A revoked object answers every later send with OBJECT_REVOKED, from the
// host or from a vat, and stays revoked across a restart.
func TestRevoke(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	thingVat(h.l, "alice")
	defineVat(h.l, "bob", nil)
	sc := h.launch(cluster("alice", "bob"))
	thing := refOf(t, h.mustCall(sc.Root, "makeThing"))
	other := refOf(t, h.mustCall(sc.Root, "makeThing"))
	if revoked, err := h.r.IsRevoked(h.ctx, thing); err != nil || revoked {
		t.Fatalf("IsRevoked before = %v, %v", revoked, err)
	}
	for range 2 { // revoking twice is allowed
		if err := h.r.Revoke(h.ctx, thing); err != nil {
			t.Fatal(err)
		}
	}
	if revoked, err := h.r.IsRevoked(h.ctx, thing); err != nil || !revoked {
		t.Fatalf("IsRevoked after = %v, %v", revoked, err)
	}
	want := "[KERNEL:OBJECT_REVOKED] object " + thing + " has been revoked"
	h.rejects(thing, "foo", nil, want)
	h.rejects(sc.Roots["bob"], "relay", []any{ref(thing), "foo"}, want)
	if got := h.mustCall(other, "foo"); got != "foo" {
		t.Fatalf("another object of the vat: %v", got)
	}

	for _, bad := range []string{"kp1", "ko999", "nonsense"} { // kp1: bootstrap's result
		if err := h.r.Revoke(h.ctx, bad); !errors.Is(err, router.ErrUnknownKref) {
			t.Errorf("Revoke(%q) = %v, want ErrUnknownKref", bad, err)
		}
	}
	h.restart()
	if revoked, err := h.r.IsRevoked(h.ctx, thing); err != nil || !revoked {
		t.Fatalf("IsRevoked after a restart = %v, %v", revoked, err)
	}
}

// Sends already in the run queue when their target is revoked reject with
// OBJECT_REVOKED; the target never sees them. The sends are left queued by
// stopping the router while the crank that makes them runs; the next
// kernel revokes before Restore lets its run queue move.
func TestRevokeRejectsQueuedSends(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		// spam(target, n): sends foo n times, hands out the results.
		v.Root().On("spam", func(c *platformtest.Call) {
			var ps []any
			for range int(c.Arg(1).(float64)) {
				ps = append(ps, platformtest.Ref(c.Send(c.Arg(0), "foo")))
			}
			c.Return(map[string]any{"ps": ps})
		})
	})
	thingVat(h.l, "bob")
	sc := h.launch(cluster("alice", "bob"))
	bob := sc.Roots["bob"]
	stopDuring(h, platformtest.Match{VatName: "alice", Method: "spam"})
	got := h.mustCall(sc.Root, "spam", ref(bob), 3).(map[string]any)["ps"].([]any)
	h.awaitStopped()

	h.newRouter()
	if err := h.r.Revoke(h.ctx, bob); err != nil {
		t.Fatal(err)
	}
	if err := h.r.Restore(h.ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range got {
		h.rejects(refOf(t, p), "x", nil, "[KERNEL:OBJECT_REVOKED] object "+bob+" has been revoked")
	}
	if n := h.l.Count(platformtest.Match{VatName: "bob", Method: "foo"}); n != 0 {
		t.Fatalf("bob got %d of the revoked sends", n)
	}
}

// Sends waiting on a promise that resolves to a revoked object reject.
func TestRevokePipelined(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	promiseMaker(h.l, "alice")
	senderVat(h.l, "bob")
	thingVat(h.l, "carol")
	sc := h.launch(cluster("alice", "bob", "carol"))
	alice, bob, carol := sc.Roots["alice"], sc.Roots["bob"], sc.Roots["carol"]
	p := field(t, h.mustCall(alice, "makePromise"), "p")
	i := int(h.mustCall(bob, "send", ref(p), "foo").(float64))
	if err := h.r.Revoke(h.ctx, carol); err != nil {
		t.Fatal(err)
	}
	h.mustCall(alice, "resolveTo", 0, ref(carol))
	if got := h.settled(bob, i); got != "rejected: [KERNEL:OBJECT_REVOKED] object "+carol+" has been revoked" {
		t.Fatalf("a send waiting on a promise resolved to a revoked object: %v", got)
	}
}

// stopDuring makes the router stop at the end of the crank that delivers
// the first message m matches: the rule stops it from inside the crank
// (Stop with a context already done returns at once), so that nothing
// after that crank runs. The workers of the stopped router are killed by
// awaitStopped.
func stopDuring(h *harness, m platformtest.Match) {
	r := h.r
	done, cancel := context.WithCancel(context.Background())
	cancel()
	stopped := false
	h.l.Fault(func(d platformtest.Delivery) platformtest.Fault {
		if !stopped && m.Matches(d) {
			stopped = true
			_ = r.Stop(done)
		}
		return platformtest.Answer
	})
}

// awaitStopped waits for the router stopped by stopDuring to end its loop,
// and kills its workers: Stop returned before it could.
func (h *harness) awaitStopped() {
	h.t.Helper()
	waitStopped(h.t, h.r)
	_ = killWorkers(h)
}

func killWorkers(h *harness) error {
	for _, id := range h.l.Live() {
		if err := h.l.Worker(id).Kill(); err != nil {
			return err
		}
	}
	return nil
}
