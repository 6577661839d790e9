package router_test

import (
	"strconv"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// Each kind of illegal syscall terminates the vat that made it: the crank
// is rolled back (a send made earlier in it never happens), the vat's
// worker is killed, its callers get VAT_TERMINATED with the reason, and the
// rest of its subcluster carries on.
func TestIllegalSyscallTerminatesVat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		bad     func(c *platformtest.Call)
		reason  string
		commits bool // not illegal: the crank commits, then the vat ends
	}{
		{"send to a vref never given", func(c *platformtest.Call) { c.SendOnly("o-9", "x") }, "used o-9, which it was never given", false},
		{"slot never given", func(c *platformtest.Call) {
			c.SendOnly("o+0", "x", platformtest.Ref("o-9"))
		}, "used o-9, which it was never given", false},
		{"subscribe to a promise never given", func(c *platformtest.Call) { c.Subscribe("p-98") }, "subscribed to p-98, which is not a promise it holds", false},
		{"subscribe to an object", func(c *platformtest.Call) { c.Subscribe("o+0") }, "not a promise it holds", false},
		{"malformed target vref", func(c *platformtest.Call) { c.SendOnly("q+1", "x") }, `malformed vref "q+1"`, false},
		{"malformed slot vref", func(c *platformtest.Call) {
			c.SendRaw("o+0", marshal.CapData{Body: `#["x",["$0"]]`, Slots: []string{"o+zz"}}, "")
		}, `malformed vref "o+zz"`, false},
		{"resolve a promise it does not decide", func(c *platformtest.Call) {
			p := c.Send("o+0", "x") // the receiver decides a send's result
			c.Resolve(p, 1)
		}, "which it does not decide", false},
		{"resolve a promise never given", func(c *platformtest.Call) { c.Resolve("p-99", 1) }, "resolved p-99, which is not a promise it holds", false},
		{"resolve twice", func(c *platformtest.Call) { c.Return(1); c.Return(2) }, "which is not a promise it holds", false},
		{"resolve with malformed data", func(c *platformtest.Call) {
			c.ResolveRaw(c.Result, false, marshal.CapData{Body: "1"})
		}, "with malformed data", false},
		{"empty vatstore key", func(c *platformtest.Call) { c.Set("", "x") }, "wrote an empty vatstore key", false},
		{"message body not smallcaps", func(c *platformtest.Call) {
			c.SendRaw("o+0", marshal.CapData{Body: `["x",[]]`}, "")
		}, "sent a malformed message", false},
		{"message without methargs", func(c *platformtest.Call) {
			c.Syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_Send{Send: &workerpb.Send{Target: "o+0"}}})
		}, "sent a malformed message", false},
		{"result promise reused", func(c *platformtest.Call) {
			p := c.Send("o+0", "x")
			c.SendRaw("o+0", platformtest.Methargs("y"), p)
		}, "reused promise p+1 as a result", false},
		{"result not a new p+N", func(c *platformtest.Call) {
			c.SendRaw("o+0", platformtest.Methargs("y"), "o+5")
		}, `named "o+5" as a result promise`, false},
		{"imported promise as a result", func(c *platformtest.Call) {
			c.SendRaw("o+0", platformtest.Methargs("y"), "p-1")
		}, `named "p-1" as a result promise`, false},
		{"unknown syscall", func(c *platformtest.Call) { c.Syscall(&workerpb.Syscall{}) }, "made an unknown syscall", false},
		{"delivery error", func(c *platformtest.Call) { panic("liveslots broke") }, "delivery failed: fake vat v1 panicked: liveslots broke", false},
		{"exit", func(c *platformtest.Call) { c.Exit(false, "bye") }, "it exited", true},
		{"exit with a failure", func(c *platformtest.Call) { c.Exit(true, "oops") }, "it exited with a failure", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			// bad(bob): tells bob, then misbehaves.
			defineVat(h.l, "alice", func(v *platformtest.Vat) {
				v.Root().On("bad", func(c *platformtest.Call) {
					c.SendOnly(c.Arg(0), "note")
					tc.bad(c)
				})
			})
			defineVat(h.l, "bob", nil)
			sc := h.launch(cluster("alice", "bob"))
			ids := h.vatIDs(sc.ID)
			if ids["alice"] != "v1" {
				t.Fatalf("alice is %s, not v1", ids["alice"])
			}
			h.rejects(sc.Root, "bad", []any{ref(sc.Roots["bob"])}, "[KERNEL:VAT_TERMINATED] vat v1 was terminated: ", tc.reason)
			h.requireTerminated("v1", sc.Root, tc.reason)
			if got := h.mustCall(sc.Roots["bob"], "hello"); got != "bob says hello" {
				t.Fatalf("bob after alice's end: %v", got)
			}
			notes := h.l.Count(platformtest.Match{VatName: "bob", Method: "note"})
			if want := map[bool]int{true: 1, false: 0}[tc.commits]; notes != want {
				t.Fatalf("bob got %d notes from the crank that terminated alice, want %d", notes, want)
			}
			if _, subclusters := h.status(); len(subclusters) != 1 {
				t.Fatalf("subclusters: %v", subclusters)
			}
		})
	}
}

// counterVat counts calls to bump in its baggage and tells bob each time.
func counterVat(l *platformtest.Launcher, name string) {
	defineVat(l, name, func(v *platformtest.Vat) {
		v.Root().On("bump", func(c *platformtest.Call) {
			s, _ := c.Get("count")
			n, _ := strconv.Atoi(s)
			c.Set("count", strconv.Itoa(n+1))
			if len(c.Args) > 0 {
				c.SendOnly(c.Arg(0), "note")
			}
			c.Return(n + 1)
		})
	})
}

// A worker that dies during a delivery rolls the crank back; the vat
// restarts from its last commit and the delivery is retried once.
func TestWorkerDiesInDelivery(t *testing.T) {
	t.Parallel()
	for _, fault := range []platformtest.Fault{platformtest.Die, platformtest.DieAfter} {
		t.Run(fault.String(), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			counterVat(h.l, "alice")
			defineVat(h.l, "bob", nil)
			h.l.Fault(platformtest.Match{VatName: "alice", Method: "bump", Attempt: 2}.Then(fault))
			sc := h.launch(cluster("alice", "bob"))
			bob := sc.Roots["bob"]
			if got := h.mustCall(sc.Root, "bump", ref(bob)); got != 1.0 {
				t.Fatalf("first bump = %v", got)
			}
			// The second bump dies once, then is retried in a fresh worker
			// that starts from the committed baggage (count 1).
			if got := h.mustCall(sc.Root, "bump", ref(bob)); got != 2.0 {
				t.Fatalf("bump through a worker death = %v", got)
			}
			if got := h.mustCall(sc.Root, "bump", ref(bob)); got != 3.0 {
				t.Fatalf("bump after = %v", got)
			}
			if n := h.l.Launched("v1"); n != 2 {
				t.Fatalf("alice had %d workers, want 2", n)
			}
			if n := h.l.Count(platformtest.Match{VatName: "alice", Method: "bump"}); n != 4 {
				t.Fatalf("alice got %d bumps, want 4 (one retried)", n)
			}
			// Every note was queued before this: once it answers, bob has had them all.
			h.mustCall(bob, "hello")
			if n := h.l.Count(platformtest.Match{VatName: "bob", Method: "note"}); n != 3 {
				t.Fatalf("bob got %d notes, want 3: the dead crank's send must not survive", n)
			}
			if n := h.l.Launched("v2"); n != 1 {
				t.Fatalf("bob was restarted: %d workers", n)
			}
		})
	}
}

// A worker that dies again in the retried delivery terminates its vat,
// with a reason saying it died twice.
func TestWorkerDiesTwice(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	counterVat(h.l, "alice")
	defineVat(h.l, "bob", nil)
	h.l.Fault(platformtest.Match{VatName: "alice", Method: "bump"}.Then(platformtest.Die))
	sc := h.launch(cluster("alice", "bob"))
	h.rejects(sc.Root, "bump", nil, "[KERNEL:VAT_TERMINATED] vat v1 was terminated", "died twice")
	h.requireTerminated("v1", sc.Root, "died twice")
	if n := h.l.Count(platformtest.Match{VatName: "alice", Method: "bump"}); n != 2 {
		t.Fatalf("bump was delivered %d times, want 2", n)
	}
	if n := h.l.Launched("v1"); n != 2 {
		t.Fatalf("alice had %d workers, want 2", n)
	}
	h.mustCall(sc.Roots["bob"], "hello")
}

// A worker that dies in a delivery, then again while its vat restarts,
// terminates the vat.
func TestWorkerDiesDuringRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	counterVat(h.l, "alice")
	defineVat(h.l, "bob", nil)
	h.l.Fault(platformtest.Match{VatName: "alice", Method: "bump", Attempt: 1}.Then(platformtest.Die))
	h.l.Fault(platformtest.Match{VatName: "alice", Kind: platformtest.KindStartVat, Worker: 2}.Then(platformtest.Die))
	sc := h.launch(cluster("alice", "bob"))
	h.rejects(sc.Root, "bump", nil, "[KERNEL:VAT_TERMINATED] vat v1 was terminated", "could not be restarted after its worker died")
	h.requireTerminated("v1", sc.Root)
	if n := h.l.Count(platformtest.Match{VatName: "alice", Method: "bump"}); n != 1 {
		t.Fatalf("bump was delivered %d times, want 1", n)
	}
	h.mustCall(sc.Roots["bob"], "hello")
}

// A worker that exits while idle is replaced: its vat restarts from its
// baggage and answers as before.
func TestWorkerDiesIdle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	counterVat(h.l, "alice")
	sc := h.launch(cluster("alice"))
	h.mustCall(sc.Root, "bump")
	h.l.Worker("v1").Exit("out of memory")
	testutil.WaitFor(t, liveness, "alice's second worker", func() bool {
		return h.l.Launched("v1") == 2 && len(h.l.Live()) == 1
	})
	if got := h.mustCall(sc.Root, "bump"); got != 2.0 {
		t.Fatalf("bump after an idle death = %v", got)
	}
	vats, _, err := h.r.Status(h.ctx)
	if err != nil || len(vats) != 1 || vats[0].PID != h.l.Worker("v1").PID() {
		t.Fatalf("status after the restart: %+v %v", vats, err)
	}
}

// A worker that exits while idle and whose vat cannot start again
// terminates the vat.
func TestWorkerDiesIdleAndRestartFails(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	counterVat(h.l, "alice")
	defineVat(h.l, "bob", nil)
	h.l.Fault(platformtest.Match{VatName: "alice", Kind: platformtest.KindStartVat, Worker: 2}.Then(platformtest.Die))
	sc := h.launch(cluster("alice", "bob"))
	h.l.Worker("v1").Exit("out of memory")
	testutil.WaitFor(t, liveness, "alice to be terminated", func() bool {
		vats, _ := h.status()
		return len(vats) == 1
	})
	h.requireTerminated("v1", sc.Root, "its worker exited and it could not be restarted")
	h.mustCall(sc.Roots["bob"], "hello")
}

// waiterVat keeps the result of wait() unresolved, for the test to settle
// from outside any delivery (as a timer callback would).
func waiterVat(l *platformtest.Launcher, name string, results *[]string) {
	defineVat(l, name, func(v *platformtest.Vat) {
		v.Root().On("wait", func(c *platformtest.Call) {
			*results = append(*results, c.Result)
		})
	})
}

// Syscalls a vat makes outside a delivery reach the kernel when its
// worker asks for a crank (WantCrank): the kernel flushes them.
func TestWantCrankFlushesOutsideSyscalls(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var results []string // alice's
	waiterVat(h.l, "alice", &results)
	sc := h.launch(cluster("alice"))
	call := h.goCall(sc.Root, "wait")
	testutil.WaitFor(t, liveness, "wait to be delivered", func() bool {
		return h.l.Count(platformtest.Match{VatName: "alice", Method: "wait"}) == 1
	})
	h.l.Worker("v1").Outside(func(v *platformtest.Vat) { v.Resolve(results[0], "tick") })
	if got, err := call.wait(); err != nil || got != "tick" {
		t.Fatalf("wait() = %v, %v", got, err)
	}
	if n := h.l.Count(platformtest.Match{VatName: "alice", Kind: platformtest.KindFlush}); n != 1 {
		t.Fatalf("%d flushes, want 1", n)
	}
}

// A worker that dies during a flush restarts its vat; what the vat did
// outside deliveries is lost with it, and the promises it was deciding
// reject (the vat lives on).
func TestWorkerDiesInFlush(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var results []string // alice's
	waiterVat(h.l, "alice", &results)
	h.l.Fault(platformtest.Match{VatName: "alice", Kind: platformtest.KindFlush, Attempt: 1}.Then(platformtest.Die))
	sc := h.launch(cluster("alice"))
	call := h.goCall(sc.Root, "wait")
	testutil.WaitFor(t, liveness, "wait to be delivered", func() bool {
		return h.l.Count(platformtest.Match{VatName: "alice", Method: "wait"}) == 1
	})
	h.l.Worker("v1").Outside(func(v *platformtest.Vat) { v.Resolve(results[0], "tick") })
	if _, err := call.wait(); !contains(err, "vat v1 restarted before it settled") {
		t.Fatalf("wait() through a death in a flush: %v", err)
	}
	if got := h.mustCall(sc.Root, "hello"); got != "alice says hello" {
		t.Fatalf("alice after the restart: %v", got)
	}
	if n := h.l.Launched("v1"); n != 2 {
		t.Fatalf("alice had %d workers, want 2", n)
	}
}

// A worker that dies during a notify restarts its vat; the notify is
// retried, and dropped there, since a restarted vat has forgotten the
// promises it imported. Nothing else is lost.
func TestWorkerDiesInNotify(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		v.Root().On("ask", func(c *platformtest.Call) {
			c.Subscribe(c.Send(c.Arg(0), "hello"))
			c.Return(nil)
		})
	})
	defineVat(h.l, "bob", nil)
	h.l.Fault(platformtest.Match{VatName: "alice", Kind: platformtest.KindNotify, Attempt: 1}.Then(platformtest.Die))
	sc := h.launch(cluster("alice", "bob"))
	h.mustCall(sc.Root, "ask", ref(sc.Roots["bob"]))
	testutil.WaitFor(t, liveness, "alice's second worker", func() bool { return h.l.Launched("v1") == 2 })
	h.mustCall(sc.Root, "hello")
	if n := h.l.Count(platformtest.Match{VatName: "alice", Kind: platformtest.KindNotify}); n != 1 {
		t.Fatalf("%d notifies reached alice, want 1 (the one that died)", n)
	}
	h.mustCall(sc.Roots["bob"], "hello")
}
