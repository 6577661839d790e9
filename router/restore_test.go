package router_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/router"
)

// A new kernel over the same store restores every vat: a fresh worker,
// rebuilt from the same baggage, its root under the same kref, and
// bootstrap not called again.
func TestRestoreKeepsBaggageAndRootKref(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	counterVat(h.l, "alice")
	counterVat(h.l, "bob")
	sc := h.launch(cluster("alice", "bob"))
	h.mustCall(sc.Root, "bump")
	h.mustCall(sc.Root, "bump")
	h.mustCall(sc.Roots["bob"], "bump")
	for restart := 1; restart <= 2; restart++ {
		h.restart()
		_, subclusters, err := h.r.Status(h.ctx)
		if err != nil || len(subclusters) != 1 || subclusters[0].RootKref != sc.Root || subclusters[0].ID != sc.ID {
			t.Fatalf("status after restart %d: %+v, %v", restart, subclusters, err)
		}
		if got := h.mustCall(sc.Root, "bump"); got != float64(2+restart) {
			t.Fatalf("alice's bump after restart %d = %v", restart, got)
		}
		if got := h.mustCall(sc.Roots["bob"], "bump"); got != float64(1+restart) {
			t.Fatalf("bob's bump after restart %d = %v", restart, got)
		}
		if n := h.l.Launched("v1"); n != 1+restart {
			t.Fatalf("alice had %d workers after restart %d", n, restart)
		}
	}
	if n := h.l.Count(platformtest.Match{Method: "bootstrap"}); n != 1 {
		t.Fatalf("bootstrap was sent %d times", n)
	}
	// The baggage bootstrap wrote is there too: alice still reaches bob.
	if got := h.mustCall(sc.Root, "relay", ref(sc.Roots["bob"]), "hello"); got != "bob says hello" {
		t.Fatalf("alice relaying to bob after restarts: %v", got)
	}
}

// After a vat restart (the kernel's or RestartVat), its non-durable
// exports answer OBJECT_DELETED, saying the vat restarted, and the
// promises it was deciding for messages already delivered are rejected;
// its root, its baggage and the rest carry on.
func TestRestartForgetsWhatWasNotDurable(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"kernel restart", "RestartVat"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			var waiting []string // alice's
			defineVat(h.l, "bob", nil)
			h.l.Define("alice", func(v *platformtest.Vat) error {
				thing := v.NewObject("Alleged: thing")
				thing.On("foo", func(c *platformtest.Call) { c.Return("foo") })
				v.Root().
					On("bootstrap", func(c *platformtest.Call) { c.Return(c.Arg(0)) }).
					On("makeThing", func(c *platformtest.Call) { c.Return(thing.Ref()) }).
					On("wait", func(c *platformtest.Call) { waiting = append(waiting, c.Result) }).
					On("hello", func(c *platformtest.Call) { c.Return("alice says hello") })
				return nil
			})
			sc := h.launch(cluster("alice", "bob"))
			thing := refOf(t, h.mustCall(sc.Root, "makeThing"))
			h.mustCall(thing, "foo")
			wait := h.goCall(sc.Root, "wait")
			testutil.WaitFor(t, liveness, "wait to be delivered", func() bool {
				return h.l.Count(platformtest.Match{VatName: "alice", Method: "wait"}) == 1
			})
			if how == "RestartVat" {
				if err := h.r.RestartVat(h.ctx, "v1"); err != nil {
					t.Fatal(err)
				}
			} else {
				h.restart()
			}
			h.rejects(thing, "foo", nil, "[KERNEL:OBJECT_DELETED] object "+thing+" no longer exists: vat v1 restarted and the object was not durable")
			if how == "RestartVat" {
				if _, err := wait.wait(); !contains(err, "vat v1 restarted before it settled") {
					t.Fatalf("a call alice was deciding: %v", err)
				}
			}
			h.mustCall(sc.Root, "hello")
			h.mustCall(sc.Roots["bob"], "hello")
			// The new incarnation's export is a new object.
			if again := refOf(t, h.mustCall(sc.Root, "makeThing")); again == thing {
				t.Fatalf("the restarted vat's export kept the kref %s", thing)
			}
		})
	}
	t.Run("unknown vat", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		if err := h.r.RestartVat(h.ctx, "v9"); !errors.Is(err, router.ErrUnknownVat) {
			t.Fatalf("RestartVat(v9) = %v", err)
		}
	})
}

// A durable export (o+d...) keeps its kref across restarts of its vat:
// the new incarnation answers for it, while a plain export is gone.
func TestRestartKeepsDurableExports(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"kernel restart", "RestartVat"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.l.Define("alice", func(v *platformtest.Vat) error {
				incarnation := len(v.Keys())
				v.Set("incarnation."+strconv.Itoa(incarnation), "1")
				durable := v.Export("o+d10/1", "Alleged: counter")
				durable.On("which", func(c *platformtest.Call) { c.Return(float64(incarnation)) })
				plain := v.NewObject("Alleged: thing")
				v.Root().
					On("bootstrap", func(c *platformtest.Call) { c.Return(nil) }).
					On("get", func(c *platformtest.Call) { c.Return([]any{durable.Ref(), plain.Ref()}) })
				return nil
			})
			sc := h.launch(cluster("alice"))
			pair, ok := h.mustCall(sc.Root, "get").([]any)
			if !ok || len(pair) != 2 {
				t.Fatalf("get: %v", pair)
			}
			durable, plain := refOf(t, pair[0]), refOf(t, pair[1])
			if got := h.mustCall(durable, "which"); got != float64(0) {
				t.Fatalf("which before the restart = %v", got)
			}
			if how == "RestartVat" {
				if err := h.r.RestartVat(h.ctx, "v1"); err != nil {
					t.Fatal(err)
				}
			} else {
				h.restart()
			}
			if got := h.mustCall(durable, "which"); got != float64(1) {
				t.Fatalf("which after the restart = %v, want the new incarnation's answer", got)
			}
			h.rejects(plain, "foo", nil, "[KERNEL:OBJECT_DELETED] object "+plain+" no longer exists: vat v1 restarted and the object was not durable")
		})
	}
}

// Across a kernel restart, the promises a vat was deciding for messages
// already delivered to it reject; messages still in the run queue for it
// are delivered to its new worker and answered.
func TestRestoreRejectsDeliveredResultsOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		// sendRec(target, method): sends, hands out the result promise.
		v.Root().On("sendRec", func(c *platformtest.Call) {
			c.Return(map[string]any{"p": platformtest.Ref(c.Send(c.Arg(0), c.Arg(1).(string)))})
		})
	})
	defineVat(h.l, "bob", func(v *platformtest.Vat) {
		v.Root().
			On("wait", func(c *platformtest.Call) {}). // never settles it
			On("work", func(c *platformtest.Call) { c.Return("worked") })
	})
	sc := h.launch(cluster("alice", "bob"))
	bob := sc.Roots["bob"]
	delivered := field(t, h.mustCall(sc.Root, "sendRec", ref(bob), "wait"), "p")
	h.mustCall(bob, "hello") // queued after wait: wait has reached bob
	stopDuring(h, platformtest.Match{VatName: "alice", Method: "sendRec", Attempt: 2})
	queued := field(t, h.mustCall(sc.Root, "sendRec", ref(bob), "work"), "p")
	h.awaitStopped()
	if n := h.l.Count(platformtest.Match{VatName: "bob", Method: "work"}); n != 0 {
		t.Fatalf("work reached bob before the restart")
	}
	h.start()
	h.rejects(delivered, "x", nil, "vat v2 restarted before it settled")
	h.rejects(queued, "x", nil, `a string ("worked")`) // fulfilled with "worked"
}

// A terminated vat never keeps the kernel from starting again: Restore
// starts the rest of its subcluster and forgets it (regression: Restore
// used to relaunch a terminated vat's id and panic on its missing record).
func TestRestoreAfterTermination(t *testing.T) {
	t.Parallel()
	ways := map[string]func(h *harness, sc launched){
		"illegal syscall": func(h *harness, sc launched) {
			h.rejects(sc.Roots["bob"], "bad", nil, "VAT_TERMINATED")
		},
		"died twice": func(h *harness, sc launched) {
			h.l.Fault(platformtest.Match{VatName: "bob", Method: "die"}.Then(platformtest.Die))
			h.rejects(sc.Roots["bob"], "die", nil, "VAT_TERMINATED", "died twice")
		},
		"exit": func(h *harness, sc launched) {
			h.rejects(sc.Roots["bob"], "exit", nil, "VAT_TERMINATED", "it exited")
		},
	}
	for name, terminate := range ways {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			counterVat(h.l, "alice")
			defineVat(h.l, "bob", func(v *platformtest.Vat) {
				v.Root().
					On("bad", func(c *platformtest.Call) { c.SendOnly("o-77", "x") }).
					On("exit", func(c *platformtest.Call) { c.Exit(false, nil) })
			})
			defineVat(h.l, "carol", nil)
			sc := h.launch(cluster("alice", "bob"))
			other := h.launch(cluster("carol"))
			h.mustCall(sc.Root, "bump")
			terminate(h, sc)
			for restart := 1; restart <= 2; restart++ {
				h.restart()
				if err := h.r.Err(); err != nil {
					t.Fatalf("the router failed after restart %d: %v", restart, err)
				}
				vats, subclusters := h.status()
				if len(vats) != 2 || vats[0] != "v1" || vats[1] != "v3" || len(subclusters) != 2 {
					t.Fatalf("after restart %d: vats %v, subclusters %v", restart, vats, subclusters)
				}
				if got := h.mustCall(sc.Root, "bump"); got != float64(1+restart) {
					t.Fatalf("alice's bump after restart %d = %v", restart, got)
				}
				h.mustCall(other.Root, "hello")
				h.requireTerminated("v2", sc.Roots["bob"])
			}
		})
	}
}

// A subcluster whose last vat is terminated ends; a restart then has
// nothing of it to restore.
func TestLastVatTerminatedEndsSubcluster(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		v.Root().On("bad", func(c *platformtest.Call) { c.Subscribe("o+0") })
	})
	sc := h.launch(cluster("alice"))
	h.rejects(sc.Root, "bad", nil, "VAT_TERMINATED")
	if vats, subclusters := h.status(); len(vats)+len(subclusters) != 0 {
		t.Fatalf("vats %v, subclusters %v", vats, subclusters)
	}
	h.restart()
	if vats, subclusters := h.status(); len(vats)+len(subclusters) != 0 {
		t.Fatalf("after a restart: vats %v, subclusters %v", vats, subclusters)
	}
	h.requireTerminated("v1", sc.Root)
}

// A vat that cannot start again at Restore is terminated, with a reason
// saying so; the rest of the kernel starts.
func TestRestoreTerminatesVatThatCannotStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	counterVat(h.l, "alice")
	defineVat(h.l, "bob", nil)
	sc := h.launch(cluster("alice", "bob"))
	h.l.Fault(platformtest.Match{VatName: "bob", Kind: platformtest.KindStartVat, Worker: 2}.Then(platformtest.Die))
	h.restart()
	h.requireTerminated("v2", sc.Roots["bob"], "it could not be restored")
	h.mustCall(sc.Root, "bump")
	h.restart() // and the next start does not trip on it
	h.mustCall(sc.Root, "bump")
}

// A launch interrupted by the kernel stopping (here in bootstrap) is
// removed by the next kernel's Restore: launches are all or nothing.
func TestRestoreRemovesUnfinishedLaunch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", nil)
	defineVat(h.l, "bob", nil)
	stopDuring(h, platformtest.Match{VatName: "alice", Method: "bootstrap"})
	if _, err := h.r.Launch(h.ctx, cluster("alice", "bob")); err == nil {
		t.Fatal("a launch the kernel stopped during succeeded")
	}
	h.awaitStopped()
	h.start()
	if vats, subclusters := h.status(); len(vats)+len(subclusters) != 0 {
		t.Fatalf("an unfinished launch was restored: vats %v, subclusters %v", vats, subclusters)
	}
	if n := h.l.Launched("v1") + h.l.Launched("v2"); n != 2 {
		t.Fatalf("%d workers were launched for the unfinished launch's vats, want 2 (none at Restore)", n)
	}
}

// Terminate ends a subcluster: its workers die, its vats answer
// VAT_TERMINATED, and a restart brings nothing of it back.
func TestTerminateSubcluster(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", nil)
	defineVat(h.l, "bob", nil)
	defineVat(h.l, "carol", nil)
	sc := h.launch(cluster("alice", "bob"))
	other := h.launch(cluster("carol"))
	if err := h.r.Terminate(h.ctx, sc.ID); err != nil {
		t.Fatal(err)
	}
	if err := h.r.Terminate(h.ctx, sc.ID); !errors.Is(err, router.ErrUnknownSubcluster) {
		t.Fatalf("terminating it again: %v", err)
	}
	h.requireTerminated("v1", sc.Root, "subcluster "+sc.ID+" was terminated")
	h.requireTerminated("v2", sc.Roots["bob"])
	h.restart()
	if vats, _ := h.status(); len(vats) != 1 || vats[0] != "v3" {
		t.Fatalf("vats after a restart: %v", vats)
	}
	h.mustCall(other.Root, "hello")
}

// PingVat answers pong from a live vat's worker, and names unknown vats.
func TestPingVat(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", nil)
	h.launch(cluster("alice"))
	if pong, err := h.r.PingVat(h.ctx, "v1"); err != nil || pong != "pong" {
		t.Fatalf("PingVat(v1) = %q, %v", pong, err)
	}
	if _, err := h.r.PingVat(h.ctx, "v2"); !errors.Is(err, router.ErrUnknownVat) {
		t.Fatalf("PingVat(v2) = %v", err)
	}
}

// Reset wipes every subcluster and kills every worker; services stay
// registered and the kernel launches afresh.
func TestReset(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.service("greeter", func(context.Context, string, []any) (any, error) { return "hi", nil }, false)
	defineVat(h.l, "alice", nil)
	spec := cluster("alice")
	spec.Services = []string{"greeter"}
	sc := h.launch(spec)
	if err := h.r.Reset(h.ctx); err != nil {
		t.Fatal(err)
	}
	if vats, subclusters := h.status(); len(vats)+len(subclusters) != 0 {
		t.Fatalf("after Reset: vats %v, subclusters %v", vats, subclusters)
	}
	// Workers are killed off the crank loop: wait for it.
	testutil.WaitFor(t, liveness, "every worker to be killed after Reset", func() bool { return len(h.l.Live()) == 0 })
	if _, err := h.call(sc.Root, "hello"); !errors.Is(err, router.ErrUnknownKref) {
		t.Fatalf("the old root after Reset: %v", err)
	}
	sc = h.launch(spec)
	if got := h.mustCall(sc.Root, "service", "greeter", "greet"); got != "hi" {
		t.Fatalf("a service after Reset: %v", got)
	}
}

// TerminateVat ends one vat: its worker dies, its exports (root or not)
// and the results it was deciding reject with VAT_TERMINATED, the other
// vats of its subcluster carry on, across a restart too; when the last vat
// of a subcluster ends, the subcluster goes.
func TestTerminateVat(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	counterVat(h.l, "alice")
	defineVat(h.l, "bob", func(v *platformtest.Vat) {
		thing := v.NewObject("Alleged: thing")
		thing.On("hello", func(c *platformtest.Call) { c.Return("thing says hello") })
		v.Root().
			On("makeThing", func(c *platformtest.Call) { c.Return(thing.Ref()) }).
			On("wait", func(*platformtest.Call) {})
	})
	defineVat(h.l, "carol", nil)
	defineVat(h.l, "dave", nil)
	sc := h.launch(cluster("alice", "bob", "carol"))
	other := h.launch(cluster("dave"))
	h.mustCall(sc.Root, "bump")
	thing := refOf(t, h.mustCall(sc.Roots["bob"], "makeThing"))
	wait := h.goCall(sc.Roots["bob"], "wait")
	testutil.WaitFor(t, liveness, "wait to be delivered", func() bool {
		return h.l.Count(platformtest.Match{VatName: "bob", Method: "wait"}) == 1
	})

	if err := h.r.TerminateVat(h.ctx, "v2"); err != nil {
		t.Fatal(err)
	}
	h.requireTerminated("v2", sc.Roots["bob"], "terminateVat was called")
	h.requireTerminated("v2", thing)
	if _, err := wait.wait(); !contains(err, "[KERNEL:VAT_TERMINATED] vat v2 was terminated") {
		t.Fatalf("the result bob was deciding: %v", err)
	}
	for _, id := range []string{"v2", "v99"} {
		if err := h.r.TerminateVat(h.ctx, id); !errors.Is(err, router.ErrUnknownVat) {
			t.Fatalf("TerminateVat(%s): %v", id, err)
		}
	}
	for restart := 0; restart <= 1; restart++ {
		if got := h.vatIDs(sc.ID); len(got) != 2 || got["alice"] != "v1" || got["carol"] != "v3" {
			t.Fatalf("the subcluster's vats after %d restarts: %v", restart, got)
		}
		if got := h.mustCall(sc.Root, "bump"); got != float64(2+restart) {
			t.Fatalf("alice's bump after %d restarts = %v", restart, got)
		}
		h.mustCall(sc.Roots["carol"], "hello")
		h.mustCall(other.Root, "hello")
		h.requireTerminated("v2", sc.Roots["bob"])
		if restart == 0 {
			h.restart()
		}
	}

	for _, id := range []string{"v1", "v3"} {
		if err := h.r.TerminateVat(h.ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, subclusters := h.status(); len(subclusters) != 1 || subclusters[0] != other.ID {
		t.Fatalf("subclusters once %s's last vat ended: %v", sc.ID, subclusters)
	}
	h.restart()
	if vats, subclusters := h.status(); len(vats) != 1 || vats[0] != "v4" || len(subclusters) != 1 {
		t.Fatalf("after a restart: vats %v, subclusters %v", vats, subclusters)
	}
}
