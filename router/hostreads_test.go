package router_test

import (
	"sync"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/platform/platformtest"
)

// Host reads (status, revocations, system roots, pids, pings of idle
// vats) answer while a delivery holds the crank loop: they never wait for
// a crank.
func TestHostReadsDoNotWaitForCranks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h.l.Fault(func(d platformtest.Delivery) platformtest.Fault {
		if d.VatName == "bob" && d.Method == "hello" {
			once.Do(func() { close(entered) })
			<-release
		}
		return platformtest.Answer
	})
	defineVat(h.l, "alice", nil)
	defineVat(h.l, "bob", nil)
	defineVat(h.l, "carol", nil)
	spec := cluster("alice", "bob", "carol")
	spec.Name, spec.System = "sys", true
	sc := h.launch(spec)
	if err := h.r.Revoke(h.ctx, sc.Roots["carol"]); err != nil {
		t.Fatal(err)
	}
	held := h.goCall(sc.Roots["alice"], "relay", ref(sc.Roots["bob"]), "hello")
	<-entered // the loop is now inside bob's delivery

	answered := make(chan error, 1)
	go func() {
		answered <- func() error {
			vats, subs, err := h.r.Status(h.ctx)
			if err != nil || len(vats) != 3 || len(subs) != 1 || vats[0].PID == 0 {
				t.Errorf("status while a delivery runs: %v %v %v", vats, subs, err)
			}
			if revoked, err := h.r.IsRevoked(h.ctx, sc.Roots["carol"]); err != nil || !revoked {
				t.Errorf("IsRevoked while a delivery runs: %v %v", revoked, err)
			}
			if id, root, ok, err := h.r.SystemSubcluster(h.ctx, "sys"); err != nil || !ok || id != sc.ID || root != sc.Root {
				t.Errorf("SystemSubcluster while a delivery runs: %s %s %v %v", id, root, ok, err)
			}
			if pids := h.r.WorkerPIDs(); len(pids) != 3 {
				t.Errorf("WorkerPIDs while a delivery runs: %v", pids)
			}
			if pong, err := h.r.PingVat(h.ctx, "v1"); err != nil || pong != "pong" {
				t.Errorf("pinging idle alice while bob's delivery runs: %q %v", pong, err)
			}
			return nil
		}()
	}()
	testutil.WaitFor(t, liveness, "host reads to answer while bob's delivery holds the loop", func() bool {
		select {
		case <-answered:
			return true
		default:
			return false
		}
	})
	close(release)
	if _, err := held.wait(); err != nil {
		t.Fatalf("the held call: %v", err)
	}
}
