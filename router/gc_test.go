package router_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/router"
)

// keysWith lists the store's keys with prefix, as committed.
func (h *harness) keysWith(prefix string) []string {
	h.t.Helper()
	var out []string
	err := h.st.Scan(h.ctx, prefix, func(key, _ string) error {
		out = append(out, key)
		return nil
	})
	if err != nil {
		h.t.Fatalf("scanning %s: %v", prefix, err)
	}
	return out
}

// requireCounts runs the refcount check and fails on any mismatch.
func (h *harness) requireCounts() {
	h.t.Helper()
	bad, err := h.r.CheckRefcounts(h.ctx)
	if err != nil {
		h.t.Fatalf("CheckRefcounts: %v", err)
	}
	if len(bad) > 0 {
		h.t.Fatalf("reference counts differ from the tables: %v", bad)
	}
}

// gcLog records the GC deliveries a vat got, as "kind vref".
type gcLog struct {
	mu  sync.Mutex
	got []string
}

func (g *gcLog) record(kind string, vrefs []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, vref := range vrefs {
		g.got = append(g.got, kind+" "+vref)
	}
}

func (g *gcLog) list() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.got)
}

// gcVat is a vat that exports things and takes imports. Its methods:
//
//	give(to...)    exports a new thing and sends it to each of to (take)
//	take(thing)    keeps the thing
//	drop()         drops every thing it took (dropImports)
//	retire()       retires every thing it dropped (retireImports)
//
// Its Collect records the GC deliveries; with retireOnDrop it answers a
// dropExports with retireExports, as liveslots does once the exo is gone.
// At bringOutYourDead it drops and retires what it took, if reapDrops.
func gcVat(l *platformtest.Launcher, name string, log *gcLog, retireOnDrop bool) {
	gcVatReaping(l, name, log, retireOnDrop, false)
}

func gcVatReaping(l *platformtest.Launcher, name string, log *gcLog, retireOnDrop, reapDrops bool) {
	defineVat(l, name, func(v *platformtest.Vat) {
		var taken, dropped []string
		v.Root().
			On("give", func(c *platformtest.Call) {
				thing := c.NewObject("Alleged: thing")
				for _, to := range c.Args {
					c.SendOnly(to, "take", thing.Ref())
				}
				c.Return("given")
			}).
			On("make", func(c *platformtest.Call) {
				c.Return(c.NewObject("Alleged: thing").Ref())
			}).
			On("take", func(c *platformtest.Call) {
				taken = append(taken, c.Arg(0).(marshal.Ref).Kref)
			}).
			On("drop", func(c *platformtest.Call) {
				c.DropImports(taken...)
				dropped, taken = append(dropped, taken...), nil
				c.Return("dropped")
			}).
			On("retire", func(c *platformtest.Call) {
				c.RetireImports(dropped...)
				dropped = nil
				c.Return("retired")
			})
		v.Collect = func(v *platformtest.Vat, kind string, vrefs []string) {
			switch kind {
			case platformtest.KindDropExports:
				if retireOnDrop {
					v.RetireExports(vrefs...)
				}
			case platformtest.KindBringOutYourDead:
				if reapDrops && len(taken) > 0 {
					v.DropImports(taken...)
					v.RetireImports(taken...)
					taken = nil
				}
				return
			}
			log.record(kind, vrefs)
		}
	})
}

// objectRows lists the o.<ko> rows of the store (one per kernel object).
func (h *harness) objectRows() []string {
	h.t.Helper()
	var out []string
	for _, key := range h.keysWith("o.") {
		if strings.Count(key, ".") == 1 {
			out = append(out, strings.TrimPrefix(key, "o."))
		}
	}
	return out
}

// settle waits until the GC queue and run queue are done with what came
// before: a host call is answered only after the GC actions queued before
// it were delivered.
func (h *harness) settle(root string) {
	h.t.Helper()
	h.mustCall(root, "hello")
}

// Host round trips and vat-to-vat sends leave no promise behind: each is
// deleted once settled, its subscribers told and nothing refers to it.
func TestSettledPromisesAreDeleted(t *testing.T) {
	forEachStoreHarness(t, func(t *testing.T, h *harness) {
		defineVat(h.l, "alice", func(v *platformtest.Vat) {
			v.Root().On("ask", func(c *platformtest.Call) {
				// Ask bob and answer with what he says, once he has.
				result := c.Result
				bob, _ := c.Get("vat.bob")
				c.Watch(c.Send(bob, "hello"), func(v *platformtest.Vat, r platformtest.Resolution) {
					v.Resolve(result, r.Value)
				})
			})
		})
		defineVat(h.l, "bob", nil)
		sc := h.launch(cluster("alice", "bob"))
		h.mustCall(sc.Root, "ask") // the first import allocates a counter
		before := len(h.keysWith(""))
		for i := 0; i < 100; i++ {
			h.mustCall(sc.Root, "hello")
			if got := h.mustCall(sc.Root, "ask"); got != "bob says hello" {
				t.Fatalf("ask = %v", got)
			}
		}
		if kps := h.keysWith("kp."); len(kps) > 0 {
			t.Fatalf("after 200 round trips, promise rows remain: %v", kps)
		}
		if _, promises, _ := h.r.KernelTables(); promises != 0 {
			t.Fatalf("the promise gauge reads %d after 200 round trips", promises)
		}
		if after := len(h.keysWith("")); after != before {
			t.Fatalf("the store had %d keys before 200 round trips and %d after", before, after)
		}
		h.requireCounts()
	})
}

// A promise passed to another vat stays while a vat holds it, and goes
// once the last holder lets go.
func TestPassedPromiseRetiredWhenNobodyHoldsIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var mine string
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		v.Root().
			On("share", func(c *platformtest.Call) {
				mine = c.NewPromise()
				for _, name := range []string{"vat.bob", "vat.carol"} {
					to, _ := c.Get(name)
					c.SendOnly(to, "hold", platformtest.Ref(mine))
				}
				c.Return("shared")
			}).
			On("settle", func(c *platformtest.Call) {
				c.Resolve(mine, "done")
				c.Return("settled")
			})
	})
	holder := func(subscribe bool) func(v *platformtest.Vat) {
		return func(v *platformtest.Vat) {
			v.Root().On("hold", func(c *platformtest.Call) {
				if subscribe {
					c.Subscribe(c.Arg(0).(marshal.Ref).Kref)
				}
			})
		}
	}
	defineVat(h.l, "bob", holder(true))
	defineVat(h.l, "carol", holder(false)) // holds it without asking to be told
	sc := h.launch(cluster("alice", "bob", "carol"))
	h.mustCall(sc.Root, "share")
	h.settle(sc.Root)
	kps := h.keysWith("kp.")
	if len(kps) != 1 {
		t.Fatalf("after sharing one promise, promise rows: %v", kps)
	}
	h.mustCall(sc.Root, "settle")
	h.settle(sc.Roots["bob"]) // bob's notify has gone by
	if got := h.keysWith("kp."); !slices.Equal(got, kps) {
		t.Fatalf("the settled promise carol still holds went: rows %v", got)
	}
	h.requireCounts()
	// Carol's worker restarts: she forgets the promise, and it goes.
	if err := h.r.RestartVat(h.ctx, h.vatIDs(sc.ID)["carol"]); err != nil {
		t.Fatal(err)
	}
	if got := h.keysWith("kp."); len(got) > 0 {
		t.Fatalf("once nobody holds the settled promise, rows remain: %v", got)
	}
	h.requireCounts()
}

// A presence dropped and retired by its only importer is dropped in the
// exporter and retired in the kernel; while a second importer holds it,
// it stays.
func TestDroppedImportIsDroppedInExporter(t *testing.T) {
	forEachStoreHarness(t, func(t *testing.T, h *harness) {
		var aliceGC, bobGC, carolGC gcLog
		gcVat(h.l, "alice", &aliceGC, false)
		gcVat(h.l, "bob", &bobGC, false)
		gcVat(h.l, "carol", &carolGC, false)
		sc := h.launch(cluster("alice", "bob", "carol"))
		objects := h.objectRows()
		h.mustCall(sc.Root, "give", ref(sc.Roots["bob"]), ref(sc.Roots["carol"]))
		h.settle(sc.Root)
		if n := len(h.objectRows()); n != len(objects)+1 {
			t.Fatalf("after giving one thing, %d objects, want %d", n, len(objects)+1)
		}
		h.mustCall(sc.Roots["bob"], "drop")
		h.mustCall(sc.Roots["bob"], "retire")
		h.settle(sc.Root)
		if got := aliceGC.list(); len(got) > 0 {
			t.Fatalf("alice was told %v while carol still holds the thing", got)
		}
		h.requireCounts()

		h.mustCall(sc.Roots["carol"], "drop")
		h.settle(sc.Root)
		if got := aliceGC.list(); !slices.Equal(got, []string{"dropExports o+1"}) {
			t.Fatalf("once nobody reaches the thing, alice got %v, want [dropExports o+1]", got)
		}
		h.mustCall(sc.Roots["carol"], "retire")
		h.settle(sc.Root)
		if got := aliceGC.list(); !slices.Equal(got, []string{"dropExports o+1", "retireExports o+1"}) {
			t.Fatalf("once nobody recognizes the thing, alice got %v", got)
		}
		if got := h.objectRows(); !slices.Equal(got, objects) {
			t.Fatalf("the retired thing left objects %v, want %v", got, objects)
		}
		if got := h.keysWith("c.v1.o+1"); len(got) > 0 {
			t.Fatalf("alice's c-list still has the thing: %v", got)
		}
		h.requireCounts()
	})
}

// What the host was handed stays until the host releases it; then it is
// collected like anything else nobody holds. A root, and what the host
// does not hold, cannot be released.
func TestHostReleaseCollects(t *testing.T) {
	forEachStoreHarness(t, func(t *testing.T, h *harness) {
		var aliceGC gcLog
		gcVat(h.l, "alice", &aliceGC, true)
		sc := h.launch(cluster("alice"))
		objects := h.objectRows()
		thing := h.mustCall(sc.Root, "make").(marshal.Ref).Kref
		h.mustCall(sc.Root, "make") // a second one the host keeps
		h.settle(sc.Root)
		if n := len(h.objectRows()); n != len(objects)+2 {
			t.Fatalf("after making two things, %d objects, want %d", n, len(objects)+2)
		}
		if got := aliceGC.list(); len(got) > 0 {
			t.Fatalf("alice was told %v while the host holds both things", got)
		}
		h.requireCounts()

		n, err := h.r.Release(h.ctx, thing)
		if err != nil || n != 1 {
			t.Fatalf("Release(%s) = %d, %v; want 1 reference released", thing, n, err)
		}
		h.settle(sc.Root)
		if got := aliceGC.list(); !slices.Equal(got, []string{"dropExports o+1"}) {
			t.Fatalf("once the host released the thing, alice got %v, want [dropExports o+1]", got)
		}
		if n := len(h.objectRows()); n != len(objects)+1 {
			t.Fatalf("after releasing one thing, %d objects, want %d (the other is still held)", n, len(objects)+1)
		}
		h.requireCounts()

		if _, err := h.r.Release(h.ctx, thing); !errors.Is(err, router.ErrUnknownKref) {
			t.Fatalf("releasing the collected thing again: %v, want ErrUnknownKref", err)
		}
		if _, err := h.r.Release(h.ctx, sc.Root); !errors.Is(err, router.ErrNotHeld) || !strings.Contains(err.Error(), "root object of subcluster") {
			t.Fatalf("releasing a subcluster's root: %v, want ErrNotHeld naming the root", err)
		}
		if _, err := h.r.Release(h.ctx, "ko99x"); !errors.Is(err, router.ErrUnknownKref) {
			t.Fatalf("releasing a malformed kref: %v", err)
		}
	})
}

// An exporter that retires what the kernel dropped makes the kernel
// retire the object, and importers that could still recognize it are told.
func TestRetiredExportRetiresImports(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var aliceGC, bobGC gcLog
	gcVat(h.l, "alice", &aliceGC, true)
	gcVat(h.l, "bob", &bobGC, false)
	sc := h.launch(cluster("alice", "bob"))
	objects := h.objectRows()
	h.mustCall(sc.Root, "give", ref(sc.Roots["bob"]))
	h.mustCall(sc.Roots["bob"], "drop") // drops, but still recognizes it
	h.settle(sc.Root)
	if got := bobGC.list(); !slices.Equal(got, []string{"retireImports o-1"}) {
		t.Fatalf("bob got %v, want [retireImports o-1]", got)
	}
	if got := aliceGC.list(); !slices.Equal(got, []string{"dropExports o+1"}) {
		t.Fatalf("alice got %v", got)
	}
	if got := h.objectRows(); !slices.Equal(got, objects) {
		t.Fatalf("objects after the exporter retired the thing: %v, want %v", got, objects)
	}
	if got := h.keysWith("c.v2.o-1"); len(got) > 0 {
		t.Fatalf("bob's c-list still has the thing after retireImports: %v", got)
	}
	h.requireCounts()
}

// GC syscalls that break the rules terminate the vat, as any illegal
// syscall does.
func TestIllegalGCSyscalls(t *testing.T) {
	t.Parallel()
	for name, bad := range map[string]func(c *platformtest.Call){
		"drop an export":          func(c *platformtest.Call) { c.DropImports("o+0") },
		"drop an unknown import":  func(c *platformtest.Call) { c.DropImports("o-99") },
		"retire a reachable one":  func(c *platformtest.Call) { c.RetireImports(c.Arg(0).(marshal.Ref).Kref) },
		"retire a live export":    func(c *platformtest.Call) { c.RetireExports("o+0") },
		"abandon the root":        func(c *platformtest.Call) { c.AbandonExports("o+0") },
		"retire a promise import": func(c *platformtest.Call) { c.RetireImports("p-1") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			defineVat(h.l, "alice", func(v *platformtest.Vat) { v.Root().On("bad", bad) })
			defineVat(h.l, "bob", nil)
			sc := h.launch(cluster("alice", "bob"))
			h.rejects(sc.Root, "bad", []any{ref(sc.Roots["bob"])}, "VAT_TERMINATED")
			h.requireCounts()
		})
	}
}

// Terminating a subcluster leaves no row that only it held: its vats'
// c-lists, promises, bundles and objects go; what another subcluster (or
// the host) still holds stays, as a tombstone that says why it is gone,
// until they let go of it too.
func TestTerminateLeavesNothingOfItsOwn(t *testing.T) {
	forEachStoreHarness(t, func(t *testing.T, h *harness) {
		var gc gcLog
		gcVat(h.l, "alice", &gc, false)
		gcVat(h.l, "bob", &gc, false)
		gcVat(h.l, "carol", &gc, false)
		keep := h.launch(cluster("carol"))
		objects := h.objectRows()
		doomed := h.launch(cluster("alice", "bob"))
		// alice gives carol (another subcluster) one thing and bob another.
		h.mustCall(doomed.Root, "give", ref(keep.Root))
		h.mustCall(doomed.Root, "give", ref(doomed.Roots["bob"]))
		h.settle(keep.Root)
		if err := h.r.Terminate(h.ctx, doomed.ID); err != nil {
			t.Fatal(err)
		}
		h.settle(keep.Root)
		for _, prefix := range []string{"c.v2.", "c.v3.", "vat.v2", "vat.v3", "vs.v2.", "vs.v3.", "kp.", "bundle.alice", "bundle.bob"} {
			if got := h.keysWith(prefix); len(got) > 0 {
				t.Errorf("after termination, rows of %s remain: %v", prefix, got)
			}
		}
		if got := h.keysWith("bundle.carol"); len(got) != 1 {
			t.Errorf("carol's bundle went with the other subcluster: %v", got)
		}
		// Left: carol's thing (she holds it) and the roots the host was
		// handed; each says why it is gone.
		left := h.objectRows()
		var extra []string
		for _, ko := range left {
			if !slices.Contains(objects, ko) {
				extra = append(extra, ko)
			}
		}
		if len(extra) != 3 {
			t.Fatalf("objects left after termination: %v (before it: %v); want alice's and bob's roots and carol's thing", left, objects)
		}
		for _, ko := range extra {
			h.rejects(ko, "hello", nil, "VAT_TERMINATED")
		}
		h.requireCounts()
		// Carol drops it: it goes; she could still recognize it, so she
		// is told it is retired.
		h.mustCall(keep.Root, "drop")
		h.settle(keep.Root)
		if got := h.objectRows(); len(got) != len(objects)+2 {
			t.Fatalf("once carol dropped the thing, objects: %v", got)
		}
		if got := gc.list(); !slices.Equal(got, []string{"retireImports o-2"}) {
			t.Fatalf("GC deliveries once carol dropped the thing: %v, want [retireImports o-2] to her", got)
		}
		if got := h.keysWith("c.v1.o-2"); len(got) > 0 {
			t.Fatalf("carol's c-list keeps the retired thing: %v", got)
		}
		h.requireCounts()
	})
}

// A vat is asked to bring out its dead every ReapInterval deliveries.
func TestReapInterval(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *router.Config) { c.ReapInterval = 3 })
	defineVat(h.l, "alice", nil)
	sc := h.launch(cluster("alice"))
	reaps := func() int {
		return h.l.Count(platformtest.Match{VatName: "alice", Kind: platformtest.KindBringOutYourDead})
	}
	start := reaps() // bootstrap counted
	for i := 0; i < 7; i++ {
		h.mustCall(sc.Root, "hello")
	}
	h.settle(sc.Root) // the 8th delivery: a reap due after it has run before this returns
	if got := reaps() - start; got < 2 || got > 3 {
		t.Fatalf("after 8 deliveries with a reap interval of 3, %d reaps", got)
	}
}

// CollectGarbage sweeps every vat: what an importer lets go at its
// bringOutYourDead reaches the exporter before CollectGarbage returns.
func TestCollectGarbageSweepsEveryVat(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *router.Config) { c.ReapInterval = -1 })
	var aliceGC, bobGC gcLog
	gcVatReaping(h.l, "alice", &aliceGC, true, true)
	gcVatReaping(h.l, "bob", &bobGC, true, true)
	sc := h.launch(cluster("alice", "bob"))
	objects := h.objectRows()
	for i := 0; i < 5; i++ {
		h.mustCall(sc.Root, "give", ref(sc.Roots["bob"]))
	}
	if n := len(h.objectRows()); n != len(objects)+5 {
		t.Fatalf("after giving 5 things, %d objects", n)
	}
	if err := h.r.CollectGarbage(h.ctx); err != nil {
		t.Fatal(err)
	}
	if got := aliceGC.list(); len(got) != 5 {
		t.Fatalf("after CollectGarbage alice was told %v, want 5 dropExports", got)
	}
	if got := h.objectRows(); !slices.Equal(got, objects) {
		t.Fatalf("after CollectGarbage, objects %v, want %v", got, objects)
	}
	h.requireCounts()
}
