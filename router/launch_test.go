package router_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/router"
)

// Vats start one by one in the order the spec lists them, get ids in that
// order, and all finish starting before bootstrap(vats, services) is sent
// to the bootstrap vat, with every vat's root (its own included).
func TestLaunchOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, name := range []string{"carol", "alice", "bob"} {
		defineVat(h.l, name, nil)
	}
	spec := cluster("carol", "alice", "bob")
	spec.Bootstrap = "alice"
	sc := h.launch(spec)
	ids := h.vatIDs(sc.ID)
	if ids["carol"] != "v1" || ids["alice"] != "v2" || ids["bob"] != "v3" {
		t.Fatalf("vat ids: %v", ids)
	}
	if sc.Root != sc.Roots["alice"] || len(sc.Roots) != 3 {
		t.Fatalf("root %s, bootstrap got %v", sc.Root, sc.Roots)
	}
	var order []string
	for _, d := range h.l.All() {
		order = append(order, d.VatName+"."+d.Kind+d.Method)
	}
	want := "carol.startVat alice.startVat bob.startVat alice.messagebootstrap"
	if got := strings.Join(order, " "); got != want {
		t.Fatalf("deliveries: %s\nwant:       %s", got, want)
	}
	_, subclusters, err := h.r.Status(h.ctx)
	if err != nil || len(subclusters) != 1 || strings.Join(subclusters[0].Vats, ",") != "v1,v2,v3" || subclusters[0].RootKref != sc.Root {
		t.Fatalf("status: %+v %v", subclusters, err)
	}
}

// requireNothingLeft checks that nothing of a failed launch survives: no
// vat, no subcluster, no live worker, and a restart restores nothing.
func (h *harness) requireNothingLeft() {
	h.t.Helper()
	if vats, subclusters := h.status(); len(vats)+len(subclusters) != 0 {
		h.t.Fatalf("a failed launch left vats %v and subclusters %v", vats, subclusters)
	}
	if live := h.l.Live(); len(live) != 0 {
		h.t.Fatalf("a failed launch left workers of %v", live)
	}
	launches := len(h.l.All())
	h.restart()
	if vats, subclusters := h.status(); len(vats)+len(subclusters) != 0 {
		h.t.Fatalf("after a restart, a failed launch left vats %v and subclusters %v", vats, subclusters)
	}
	if n := len(h.l.All()); n != launches {
		h.t.Fatalf("the restart delivered %d times to vats of a failed launch", n-launches)
	}
}

// A launch fails as a whole, leaving nothing, however it fails.
func TestFailedLaunchLeavesNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(h *harness)
		want  []string
		check func(t *testing.T, err error)
	}{
		{"buildRootObject error", func(h *harness) {
			h.l.Define("bob", func(v *platformtest.Vat) error { return errors.New("bob cannot start") })
		}, []string{"vat v2 (bob) did not start: bob cannot start"}, nil},
		{"bootstrap rejects", func(h *harness) {
			defineVat(h.l, "alice", func(v *platformtest.Vat) {
				v.Root().On("bootstrap", func(c *platformtest.Call) { c.Throw("TypeError", "no bootstrap today") })
			})
		}, []string{"bootstrap failed: TypeError: no bootstrap today"}, func(t *testing.T, err error) {
			var be *router.BootstrapError
			if !errors.As(err, &be) {
				t.Errorf("want a *router.BootstrapError, got %T", err)
			}
		}},
		{"bootstrap vat terminated", func(h *harness) {
			defineVat(h.l, "alice", func(v *platformtest.Vat) {
				v.Root().On("bootstrap", func(c *platformtest.Call) { c.SendOnly("o-99", "x") })
			})
		}, []string{"bootstrap failed", "VAT_TERMINATED", "never given"}, nil},
		{"worker dies in startVat", func(h *harness) {
			h.l.Fault(platformtest.Match{VatName: "bob", Kind: platformtest.KindStartVat}.Then(platformtest.Die))
		}, []string{"vat v2 (bob) did not start", platform.ErrWorkerExited.Error()}, func(t *testing.T, err error) {
			if !errors.Is(err, platform.ErrWorkerExited) {
				t.Errorf("the error does not wrap platform.ErrWorkerExited: %v", err)
			}
		}},
		{"worker dies after startVat", func(h *harness) {
			h.l.Fault(platformtest.Match{VatName: "bob", Kind: platformtest.KindStartVat}.Then(platformtest.DieAfter))
		}, []string{"vat v2 (bob) did not start"}, nil},
		{"startVat hangs past the delivery limit", func(h *harness) {
			h.l.Fault(platformtest.Match{VatName: "bob", Kind: platformtest.KindStartVat}.Then(platformtest.Hang))
		}, []string{"vat v2 (bob) did not start", "the worker did not answer within the delivery time limit"}, nil},
		{"platform cannot launch", func(h *harness) {
			h.l.FailLaunch(func(spec platform.WorkerSpec) error {
				if spec.VatName == "bob" {
					return errors.New("no more processes")
				}
				return nil
			})
		}, []string{"starting a worker for vat v2 (bob)", "no more processes"}, nil},
		{"unknown bundle", func(h *harness) {
			h.l.Define("bob", func(v *platformtest.Vat) error { panic("not this one") })
			h.spec.Vats[1].Script = "no such bundle"
			h.spec.Vats[1].BundleHash = "nobundle"
		}, []string{"vat v2 (bob) did not start", `no fake vat is defined for bundle "no such bundle"`}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *router.Config) { c.DeliveryTimeout = time.Second })
			defineVat(h.l, "alice", nil)
			defineVat(h.l, "bob", nil)
			defineVat(h.l, "carol", nil)
			h.spec = cluster("alice", "bob", "carol")
			tc.setup(h)
			_, err := h.r.Launch(h.ctx, h.spec)
			if err == nil {
				t.Fatal("the launch succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("launch error %q lacks %q", err, w)
				}
			}
			if tc.check != nil {
				tc.check(t, err)
			}
			h.requireNothingLeft()
			// The kernel launches afresh afterwards (vats the faults
			// above do not name).
			h.l.FailLaunch(nil)
			defineVat(h.l, "dave", nil)
			defineVat(h.l, "erin", nil)
			sc := h.launch(cluster("dave", "erin"))
			h.mustCall(sc.Roots["erin"], "hello")
		})
	}
}
