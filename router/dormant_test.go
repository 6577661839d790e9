package router_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/router"
)

func restoreOnDemand(c *router.Config) { c.RestoreOnDemand = true }

// dormant lists the vats Status shows as dormant, and fails on a dormant
// vat with a pid.
func dormant(h *harness) map[string]bool {
	h.t.Helper()
	vats, _, err := h.r.Status(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, v := range vats {
		if v.Dormant {
			out[v.ID] = true
			if v.PID != 0 {
				h.t.Fatalf("dormant vat %s has pid %d", v.ID, v.PID)
			}
		}
	}
	return out
}

// With RestoreOnDemand, Restore starts no worker; a vat starts at its first
// delivery (a message, a notify, a ping), once, with its baggage; a vat
// nothing is sent to stays dormant across restarts.
func TestRestoreOnDemand(t *testing.T) {
	t.Parallel()
	h := newHarness(t, restoreOnDemand)
	counterVat(h.l, "alice")
	counterVat(h.l, "bob")
	defineVat(h.l, "carol", nil)
	sc := h.launch(cluster("alice", "bob", "carol"))
	h.mustCall(sc.Root, "bump")
	h.mustCall(sc.Roots["bob"], "bump")

	h.restart()
	if d := dormant(h); len(d) != 3 {
		t.Fatalf("dormant after restart: %v, want v1 v2 v3", d)
	}
	if live := h.l.Live(); len(live) != 0 {
		t.Fatalf("workers after an on-demand restore: %v", live)
	}
	// A message wakes its target only, which keeps its baggage.
	if got := h.mustCall(sc.Root, "bump"); got != float64(2) {
		t.Fatalf("alice's bump after restart = %v, want 2", got)
	}
	if d := dormant(h); d["v1"] || !d["v2"] || !d["v3"] {
		t.Fatalf("dormant after a call to alice: %v", d)
	}
	// A vat's send wakes the vat it reaches (bob, through carol's relay),
	// and the answer travels back.
	if got := h.mustCall(sc.Roots["carol"], "relay", ref(sc.Roots["bob"]), "bump"); got != float64(2) {
		t.Fatalf("bob's bump through carol = %v, want 2", got)
	}
	for vat, want := range map[string]int{"v1": 2, "v2": 2, "v3": 2} {
		if n := h.l.Launched(vat); n != want {
			t.Fatalf("vat %s had %d workers, want %d", vat, n, want)
		}
	}

	// PingVat wakes a dormant vat too.
	h.restart()
	if pong, err := h.r.PingVat(h.ctx, "v2"); err != nil || pong != "pong" {
		t.Fatalf("PingVat(v2) of a dormant vat = %q, %v", pong, err)
	}
	if d := dormant(h); d["v2"] || !d["v1"] {
		t.Fatalf("dormant after pinging bob: %v", d)
	}
	if n := h.l.Count(platformtest.Match{Method: "bootstrap"}); n != 1 {
		t.Fatalf("bootstrap was sent %d times", n)
	}
}

// A restart's effects on the tables happen at Restore, not at the vat's
// start: a non-durable export of a dormant vat answers OBJECT_DELETED at
// once, without starting the vat.
func TestRestoreOnDemandForgetsWhatWasNotDurable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, restoreOnDemand)
	h.l.Define("alice", func(v *platformtest.Vat) error {
		thing := v.NewObject("Alleged: thing")
		thing.On("foo", func(c *platformtest.Call) { c.Return("foo") })
		v.Root().
			On("bootstrap", func(c *platformtest.Call) { c.Return(c.Arg(0)) }).
			On("makeThing", func(c *platformtest.Call) { c.Return(thing.Ref()) })
		return nil
	})
	sc := h.launch(cluster("alice"))
	thing := refOf(t, h.mustCall(sc.Root, "makeThing"))
	h.restart()
	h.rejects(thing, "foo", nil, "[KERNEL:OBJECT_DELETED] object "+thing+" no longer exists: vat v1 restarted and the object was not durable")
	if n := h.l.Launched("v1"); n != 1 {
		t.Fatalf("alice had %d workers, want 1: a send to a deleted object started her", n)
	}
}

// A dormant vat that cannot start at its first delivery is terminated, as
// Restore terminates one; the delivery rejects saying why, the rest carry on.
func TestRestoreOnDemandTerminatesVatThatCannotStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, restoreOnDemand)
	counterVat(h.l, "alice")
	defineVat(h.l, "bob", nil)
	defineVat(h.l, "carol", nil)
	sc := h.launch(cluster("alice", "bob", "carol"))
	h.l.Fault(platformtest.Match{VatName: "bob", Kind: platformtest.KindStartVat, Worker: 2}.Then(platformtest.Die))
	h.l.Fault(platformtest.Match{VatName: "carol", Kind: platformtest.KindStartVat, Worker: 2}.Then(platformtest.Die))
	h.restart()
	h.rejects(sc.Roots["bob"], "hello", nil, "it could not be restored")
	h.requireTerminated("v2", sc.Roots["bob"], "it could not be restored")
	if _, err := h.r.PingVat(h.ctx, "v3"); err == nil || !contains(err, "v3") {
		t.Fatalf("PingVat of a vat that cannot start: %v", err)
	}
	h.requireTerminated("v3", sc.Roots["carol"], "it could not be restored")
	if _, err := h.r.PingVat(h.ctx, "v3"); !errors.Is(err, router.ErrUnknownVat) {
		t.Fatalf("PingVat of the terminated vat: %v", err)
	}
	if got := h.mustCall(sc.Root, "bump"); got != float64(1) {
		t.Fatalf("alice's bump = %v", got)
	}
}

// Garbage collection reaches a dormant vat too: once the host releases a
// durable export of a dormant vat, the vat starts and is told to drop it.
func TestRestoreOnDemandWakesForGC(t *testing.T) {
	t.Parallel()
	h := newHarness(t, restoreOnDemand)
	h.l.Define("alice", func(v *platformtest.Vat) error {
		durable := v.Export("o+d10/1", "Alleged: counter")
		v.Root().
			On("bootstrap", func(c *platformtest.Call) { c.Return(nil) }).
			On("get", func(c *platformtest.Call) { c.Return(durable.Ref()) })
		return nil
	})
	sc := h.launch(cluster("alice"))
	durable := refOf(t, h.mustCall(sc.Root, "get"))
	h.restart()
	if n, err := h.r.Release(h.ctx, durable); err != nil || n != 1 {
		t.Fatalf("Release(%s) = %d, %v", durable, n, err)
	}
	drops := platformtest.Match{VatName: "alice", Kind: platformtest.KindDropExports}
	testutil.WaitFor(t, liveness, "alice to be told to drop her export", func() bool { return h.l.Count(drops) == 1 })
	if n := h.l.Launched("v1"); n != 2 {
		t.Fatalf("alice had %d workers, want 2", n)
	}
	h.requireCounts()
}

// A kernel that stops while a dormant vat starts ends no vat: the next
// kernel restores it.
func TestRestoreOnDemandStopDuringStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, restoreOnDemand)
	counterVat(h.l, "alice")
	sc := h.launch(cluster("alice"))
	h.mustCall(sc.Root, "bump")
	h.restart()
	r := h.r
	done, cancel := context.WithCancel(context.Background())
	cancel()
	starting := platformtest.Match{VatName: "alice", Kind: platformtest.KindStartVat, Worker: 2}
	h.l.Fault(func(d platformtest.Delivery) platformtest.Fault {
		if starting.Matches(d) {
			_ = r.Stop(done) // the kernel stops, then the worker dies
			return platformtest.Die
		}
		return platformtest.Answer
	})
	h.goCall(sc.Root, "bump") // its answer never comes: the kernel stops
	h.awaitStopped()
	h.start()
	// The bump queued before the stop runs too, then this one.
	if got := h.mustCall(sc.Root, "bump"); got != float64(3) {
		t.Fatalf("alice's bump after the next start = %v, want 3", got)
	}
}
