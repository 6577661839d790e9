package router_test

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/router"
)

// Rule (crash loop): a vat whose worker keeps dying between deliveries is
// restarted, with a growing pause, until MaxRestarts deaths within
// RestartWindow terminate it, naming the limit; its neighbours go on.
func TestCrashLoopTerminates(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *router.Config) { c.MaxRestarts = 4; c.RestartWindow = time.Hour })
	defineVat(h.l, "alice", nil)
	defineVat(h.l, "bob", nil)
	sc := h.launch(cluster("alice", "bob"))
	for n := 1; n < 4; n++ {
		h.l.Worker("v1").Exit(fmt.Sprintf("crash %d", n))
		testutil.WaitFor(t, liveness, fmt.Sprintf("alice's restart %d", n), func() bool { return h.l.Launched("v1") == n+1 })
		// Started, not only launched: a worker killed during its startVat
		// fails the restart itself, which is another way to end.
		h.mustCall(sc.Root, "hello")
	}
	h.l.Worker("v1").Exit("crash 4")
	testutil.WaitFor(t, liveness, "alice's termination", func() bool {
		vats, _ := h.status()
		return !slices.Contains(vats, "v1")
	})
	h.requireTerminated("v1", sc.Root, "its worker died 4 times within 1h0m0s (the restart limit)")
	if n := h.l.Launched("v1"); n != 4 {
		t.Fatalf("alice had %d workers, want 4 (no restart after the last death)", n)
	}
	h.mustCall(sc.Roots["bob"], "hello")
	h.restart()
	h.mustCall(sc.Roots["bob"], "hello")
}

// Rule (fairness): a worker that asks for cranks without pause gets one
// flush per turn of the loop; the run queue and host requests still move.
func TestCrankRequestFloodDoesNotStarve(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", nil)
	defineVat(h.l, "bob", nil)
	sc := h.launch(cluster("alice", "bob"))
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := h.l.Worker("v1")
		for !stop.Load() {
			w.RequestCrank()
		}
	}()
	t.Cleanup(func() { stop.Store(true); <-done })
	var worst time.Duration
	for range 20 {
		start := time.Now()
		if got := h.mustCall(sc.Roots["bob"], "hello"); got != "bob says hello" {
			t.Fatalf("bob: %v", got)
		}
		worst = max(worst, time.Since(start))
	}
	t.Logf("bob answered 20 calls during the flood; worst latency %s", worst)
}
