package keeper

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/store/driver"
)

// The crank write buffer, the read cache and the commit pipeline: what a
// crank sees of its own writes, of earlier cranks' writes that are sealed
// but not durable, and of the store.

func TestCrankSeesItsOwnUnsealedWrites(t *testing.T) {
	k, st := memKeeper(t)
	committed(t, k, func() { k.SetServiceKref("a", "ko1") })

	k.SetServiceKref("b", "ko2")
	k.DeleteService("a")
	k.SetServiceKref("c", "ko3")
	k.DeleteService("c")
	k.SetServiceKref("d", "ko4")
	k.SetServiceKref("d", "ko5") // the last write wins

	for name, want := range map[string]string{"a": "", "b": "ko2", "c": "", "d": "ko5"} {
		got, ok := k.ServiceKref(name)
		if got != want || ok != (want != "") {
			t.Errorf("in the crank, ServiceKref(%s) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if k.Pending() {
		t.Fatal("an unsealed crank is pending a commit")
	}
	if k.StartBatch() {
		t.Fatal("StartBatch started a batch with nothing sealed")
	}
	// None of it reached the store.
	if v, ok := raw(t, st, "svc.a"); !ok || v != "ko1" {
		t.Fatalf("store svc.a = %q, %v before the crank is sealed", v, ok)
	}
	for _, key := range []string{"svc.b", "svc.c", "svc.d"} {
		if _, ok := raw(t, st, key); ok {
			t.Fatalf("store holds %s before the crank is sealed", key)
		}
	}
}

func TestAbortDiscardsTheCrank(t *testing.T) {
	k, st := memKeeper(t)
	committed(t, k, func() { k.SetServiceKref("durable", "ko1") })
	crank(k, func() { k.SetServiceKref("sealed", "ko2") }) // sealed, not durable

	k.SetServiceKref("durable", "ko9")
	k.DeleteService("sealed")
	k.SetServiceKref("new", "ko3")
	k.SetServiceCall("kp1", "calc")
	if got := k.ServiceCalls(); len(got) != 1 {
		t.Fatalf("in the crank, ServiceCalls = %v", got)
	}
	k.Abort()

	for name, want := range map[string]string{"durable": "ko1", "sealed": "ko2", "new": ""} {
		got, ok := k.ServiceKref(name)
		if got != want || ok != (want != "") {
			t.Errorf("after Abort, ServiceKref(%s) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if got := k.ServiceCalls(); len(got) != 0 {
		t.Fatalf("after Abort, ServiceCalls = %v", got)
	}
	// The aborted writes never reach the store; the sealed crank does.
	flush(t, k)
	keys := storeKeys(t, st)
	equal(t, "store after Abort and flush", keys, map[string]string{"svc.durable": "ko1", "svc.sealed": "ko2"})

	// An empty abort and an abort after a seal touch nothing.
	k.Abort()
	crank(k, func() { k.SetServiceKref("later", "ko4") })
	k.Abort()
	if got, ok := k.ServiceKref("later"); !ok || got != "ko4" {
		t.Fatalf("Abort dropped an already sealed crank: %q, %v", got, ok)
	}
}

func TestSealShowsWritesBeforeTheyAreDurable(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		st := openStore(t, url)
		ts := wrapStore(st)
		k := New(ts)

		crank(k, func() { k.SetServiceKref("a", "ko1") })
		if !k.Pending() {
			t.Fatal("a sealed crank is not pending")
		}
		if got, ok := k.ServiceKref("a"); !ok || got != "ko1" {
			t.Fatalf("after Seal, ServiceKref(a) = %q, %v", got, ok)
		}
		if _, ok := raw(t, st, "svc.a"); ok {
			t.Fatal("the store holds svc.a before any batch started")
		}

		release := ts.hold()
		if !k.StartBatch() {
			t.Fatal("StartBatch did not start with a sealed crank queued")
		}
		<-ts.started
		// In flight: the store does not have it, the keeper shows it, and
		// a second batch cannot start.
		if _, ok := raw(t, st, "svc.a"); ok {
			t.Fatal("the store holds svc.a while its commit is held back")
		}
		if got, ok := k.ServiceKref("a"); !ok || got != "ko1" {
			t.Fatalf("in flight, ServiceKref(a) = %q, %v", got, ok)
		}
		crank(k, func() { k.SetServiceKref("b", "ko2") })
		if k.StartBatch() {
			t.Fatal("a second batch started while one is in flight")
		}
		release()
		res := <-k.Done()
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if v, ok := raw(t, st, "svc.a"); !ok || v != "ko1" {
			t.Fatalf("after the batch, store svc.a = %q, %v", v, ok)
		}
		if _, ok := raw(t, st, "svc.b"); ok {
			t.Fatal("svc.b, sealed after the batch started, went with it")
		}
		k.Finish(res)
		if !k.Pending() {
			t.Fatal("the second crank is not pending after the first batch finished")
		}
		flush(t, k)
		if k.Pending() {
			t.Fatal("pending after every batch finished")
		}

		// Durable: a new keeper over the store reopened sees both.
		st.Close()
		k2 := New(openStore(t, url))
		for name, want := range map[string]string{"a": "ko1", "b": "ko2"} {
			if got, ok := k2.ServiceKref(name); !ok || got != want {
				t.Errorf("after reopening, ServiceKref(%s) = %q, %v; want %q", name, got, ok, want)
			}
		}
	})
}

// A key written by two batches keeps the newer value when the older batch
// finishes after the newer one was sealed.
func TestLaterBatchKeepsNewerValue(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		for _, loaded := range []bool{false, true} {
			t.Run(fmt.Sprintf("loaded=%v", loaded), func(t *testing.T) {
				st := openStore(t, url)
				t.Cleanup(func() { st.Wipe(context.Background()) })
				ts := wrapStore(st)
				k := New(ts)
				if loaded {
					if err := k.Load(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
				sub := func(id, state string) *Subcluster { return &Subcluster{ID: id, State: state} }
				committed(t, k, func() {
					k.SetSubcluster(sub("s3", "durable"))
					k.SetServiceKref("z", "ko30")
				})

				// Batch 1 (held in flight): x=1, y set, z deleted.
				release := ts.hold()
				crank(k, func() {
					k.SetSubcluster(sub("s1", "one"))
					k.SetSubcluster(sub("s2", "one"))
					k.DeleteSubcluster(sub("s3", ""))
					k.SetServiceKref("x", "ko1")
					k.SetServiceKref("y", "ko10")
					k.DeleteService("z")
				})
				k.StartBatch()
				<-ts.started
				// Batch 2 (queued): x=2, y deleted, z set again.
				crank(k, func() {
					k.SetSubcluster(sub("s1", "two"))
					k.DeleteSubcluster(sub("s2", ""))
					k.SetSubcluster(sub("s3", "two"))
					k.SetServiceKref("x", "ko2")
					k.DeleteService("y")
					k.SetServiceKref("z", "ko31")
				})
				check := func(when string) {
					t.Helper()
					for name, want := range map[string]string{"x": "ko2", "y": "", "z": "ko31"} {
						got, ok := k.ServiceKref(name)
						if got != want || ok != (want != "") {
							t.Errorf("%s: ServiceKref(%s) = %q, %v; want %q", when, name, got, ok, want)
						}
					}
					var states []string
					for _, sc := range k.Subclusters() {
						states = append(states, sc.ID+"="+sc.State)
					}
					equal(t, when+": Subclusters", states, []string{"s1=two", "s3=two"})
					if sc, ok := k.Subcluster("s2"); ok {
						t.Errorf("%s: Subcluster(s2) = %+v, want none", when, sc)
					}
				}
				check("both batches pending")
				release()
				res := <-k.Done()
				if res.Err != nil {
					t.Fatal(res.Err)
				}
				check("batch 1 committed, not finished")
				k.Finish(res)
				check("batch 1 finished, batch 2 queued")
				// The store has batch 1's values under the keeper's newer ones.
				if v, _ := raw(t, st, "svc.x"); v != "ko1" {
					t.Fatalf("store svc.x = %q after batch 1", v)
				}
				flush(t, k)
				check("batch 2 finished")
				keys := storeKeys(t, st)
				for key, want := range map[string]string{"svc.x": "ko2", "svc.z": "ko31"} {
					if keys[key] != want {
						t.Errorf("store %s = %q, want %q", key, keys[key], want)
					}
				}
				for _, key := range []string{"svc.y", "sc.s2"} {
					if _, ok := keys[key]; ok {
						t.Errorf("store still holds %s", key)
					}
				}
				// A fresh keeper over the same store agrees.
				k = New(st)
				check("a fresh keeper")
				if err := k.Load(context.Background()); err != nil {
					t.Fatal(err)
				}
				check("a fresh keeper after Load")
			})
		}
	})
}

func TestCommitFailureIsReported(t *testing.T) {
	t.Run("store refuses", func(t *testing.T) {
		k, st := memKeeper(t)
		crank(k, func() { k.SetServiceKref("a", "ko1") })
		st.Close()
		k.StartBatch()
		res := <-k.Done()
		if res.Err == nil || !errors.Is(res.Err, driver.ErrClosed) || !strings.Contains(res.Err.Error(), "committing cranks") {
			t.Fatalf("commit to a closed store: %v", res.Err)
		}
		k.Finish(res)
		if k.Pending() {
			t.Fatal("a refused batch is still pending")
		}
	})
	t.Run("driver panics", func(t *testing.T) {
		k := New(panickyStore{})
		crank(k, func() { k.SetServiceKref("a", "ko1") })
		k.StartBatch()
		res := <-k.Done()
		if res.Err == nil || !strings.Contains(res.Err.Error(), "the store driver panicked: boom") {
			t.Fatalf("commit through a panicking driver: %v", res.Err)
		}
		k.Finish(res)
	})
}

// panickyStore panics on Commit and finds nothing.
type panickyStore struct{ driver.Store }

func (panickyStore) Commit(context.Context, []driver.Write) error { panic("boom") }
func (panickyStore) Get(context.Context, string) (string, bool, error) {
	return "", false, nil
}

func TestReadFailurePanicsWithStoreError(t *testing.T) {
	k, st := memKeeper(t)
	ts := wrapStore(st)
	k = New(ts)
	committed(t, k, func() {
		k.SetServiceKref("a", "ko1")
		k.VatstoreSet("v1", "k", "v")
	})
	k = New(ts) // an empty cache: reads reach the store

	ts.setFailGet(errInjected)
	k.SetIface("ko2", "Alleged: b") // a write reads nothing
	se := mustPanicStoreError(t, "ServiceKref with a failing store", func() { k.ServiceKref("a") })
	if !errors.Is(se, errInjected) || !strings.Contains(se.Error(), "svc.a") {
		t.Fatalf("StoreError = %v, want the store's error naming the key", se)
	}
	// The crank boundary aborts: nothing of the crank is left.
	k.Abort()
	ts.setFailGet(nil)
	if iface := k.Iface("ko2"); iface != "" {
		t.Fatal("a write of the crank that failed survived Abort")
	}
	if got, ok := k.ServiceKref("a"); !ok || got != "ko1" {
		t.Fatalf("after the failure, ServiceKref(a) = %q, %v", got, ok)
	}

	ts.setFailScan(errInjected)
	se = mustPanicStoreError(t, "Vatstore with a failing store", func() { k.Vatstore("v1") })
	if !errors.Is(se, errInjected) || !strings.Contains(se.Error(), "vs.v1.") {
		t.Fatalf("StoreError = %v, want the store's error naming the prefix", se)
	}
	ts.setFailScan(nil)
	equal(t, "Vatstore after the failure", k.Vatstore("v1"), []VatstoreEntry{{"k", "v"}})
}

// Every accessor that decodes a record panics with a StoreError naming
// the key when the record is malformed.
func TestMalformedRecordsPanicWithStoreError(t *testing.T) {
	cases := []struct {
		name   string
		store  map[string]string
		badKey string
		call   func(k *Keeper)
	}{
		{"Promise", map[string]string{"kp.kp1": "{"}, "kp.kp1", func(k *Keeper) { k.Promise("kp1") }},
		{"TakePromiseQueue", map[string]string{"kp.kp1.q.0": "[1"}, "kp.kp1.q.0", func(k *Keeper) {
			k.TakePromiseQueue("kp1", &Promise{State: Unresolved, QueueTail: 1})
		}},
		{"Vat", map[string]string{"vat.v1": "not json"}, "vat.v1", func(k *Keeper) { k.Vat("v1") }},
		{"NextImport", map[string]string{"vat.v1.next": "seven"}, "vat.v1.next", func(k *Keeper) { k.NextImport("v1") }},
		{"Subcluster", map[string]string{"sc.s1": "{]"}, "sc.s1", func(k *Keeper) { k.Subcluster("s1") }},
		{"Subclusters", map[string]string{"sc.s1": `{"id":"s1"}`, "sc.s2": "nope"}, "sc.s2", func(k *Keeper) { k.Subclusters() }},
		{"Peek head", map[string]string{"rq.head": "x", "rq.tail": "1"}, "rq.head", func(k *Keeper) { k.Peek() }},
		{"Peek item", map[string]string{"rq.head": "0", "rq.tail": "1", "rq.0": "{"}, "rq.0", func(k *Keeper) { k.Peek() }},
		{"QueueLength", map[string]string{"rq.tail": "1.5"}, "rq.tail", func(k *Keeper) { k.QueueLength() }},
		{"Enqueue", map[string]string{"rq.tail": "-"}, "rq.tail", func(k *Keeper) { k.Enqueue(RunItem{Type: "send"}) }},
		{"Pop", map[string]string{"rq.head": "one"}, "rq.head", func(k *Keeper) { k.Pop() }},
		{"NewObject", map[string]string{"kernel.nextKo": "ten"}, "kernel.nextKo", func(k *Keeper) { k.NewObject("v1") }},
		{"NewPromise", map[string]string{"kernel.nextKp": "ten"}, "kernel.nextKp", func(k *Keeper) { k.NewPromise("") }},
		{"NewVatID", map[string]string{"kernel.nextVat": ""}, "kernel.nextVat", func(k *Keeper) { k.NewVatID() }},
		{"NewSubclusterID", map[string]string{"kernel.nextSub": "s1"}, "kernel.nextSub", func(k *Keeper) { k.NewSubclusterID() }},
		{"ParkServiceCall", map[string]string{"svcwait.next": "x"}, "svcwait.next", func(k *Keeper) {
			k.ParkServiceCall("ko1", RunItem{Type: "send"})
		}},
		{"TakeParkedCalls", map[string]string{"svcwait.ko1.1": `{"type":"send"}`, "svcwait.ko1.2": "{"}, "svcwait.ko1.2", func(k *Keeper) {
			k.TakeParkedCalls("ko1")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, st := memKeeper(t)
			var writes []driver.Write
			for key, v := range c.store {
				writes = append(writes, driver.Write{Key: key, Value: v})
			}
			if err := st.Commit(context.Background(), writes); err != nil {
				t.Fatal(err)
			}
			for _, loaded := range []bool{false, true} {
				k := New(st)
				if loaded {
					if err := k.Load(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
				se := mustPanicStoreError(t, c.name, func() { c.call(k) })
				if !strings.Contains(se.Error(), c.badKey) {
					t.Fatalf("%s: StoreError %q does not name %s", c.name, se, c.badKey)
				}
			}
		})
	}
}

func TestLoad(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		st := openStore(t, url)
		k := New(st)
		committed(t, k, func() {
			k.SetServiceKref("a", "ko1")
			k.SetServiceKref("b", "ko2")
			k.SetServiceKref("c", "ko3")
			k.SetVat(&Vat{ID: "v1", Name: "alice"})
			k.Enqueue(RunItem{Type: "send", Target: "ko1"})
		})
		st.Close()

		t.Run("reads never reach the store after Load", func(t *testing.T) {
			ts := wrapStore(openStore(t, url))
			k := New(ts)
			if err := k.Load(context.Background()); err != nil {
				t.Fatal(err)
			}
			ts.setFailGet(errInjected)
			before := ts.getCount()
			if got, ok := k.ServiceKref("a"); !ok || got != "ko1" {
				t.Fatalf("ServiceKref(a) = %q, %v", got, ok)
			}
			if _, ok := k.ServiceKref("nobody"); ok {
				t.Fatal("an unknown service exists after Load")
			}
			if v, ok := k.Vat("v1"); !ok || v.Name != "alice" {
				t.Fatalf("Vat(v1) = %+v, %v", v, ok)
			}
			if item, ok := k.Peek(); !ok || item.Target != "ko1" {
				t.Fatalf("Peek = %+v, %v", item, ok)
			}
			if _, ok := k.Promise("kp99"); ok {
				t.Fatal("an unknown promise exists after Load")
			}
			if n := ts.getCount() - before; n != 0 {
				t.Fatalf("%d reads reached the store after Load", n)
			}
			ts.Close()
		})

		t.Run("Load keeps what cranks wrote since", func(t *testing.T) {
			st := openStore(t, url)
			ts := wrapStore(st)
			k := New(ts)
			k.ServiceKref("a") // cached from the store
			crank(k, func() {
				k.SetServiceKref("a", "ko10")
				k.DeleteService("b")
			})
			release := ts.hold()
			k.StartBatch()
			<-ts.started
			crank(k, func() { k.SetServiceKref("d", "ko4") }) // queued
			k.SetServiceKref("c", "ko30")                     // unsealed
			if err := k.Load(context.Background()); err != nil {
				t.Fatal(err)
			}
			check := func(when string) {
				t.Helper()
				for name, want := range map[string]string{"a": "ko10", "b": "", "c": "ko30", "d": "ko4"} {
					got, ok := k.ServiceKref(name)
					if got != want || ok != (want != "") {
						t.Errorf("%s: ServiceKref(%s) = %q, %v; want %q", when, name, got, ok, want)
					}
				}
			}
			check("after Load, a batch in flight")
			release()
			k.Finish(<-k.Done())
			check("after the batch")
			k.Seal()
			flush(t, k)
			check("after every batch")
			st.Close()
		})

		t.Run("a failed Load leaves the keeper as it was", func(t *testing.T) {
			st := openStore(t, url)
			ts := wrapStore(st)
			k := New(ts)
			crank(k, func() {
				k.SetServiceKref("a", "ko100")
				k.DeleteService("c")
			})
			ts.setFailScan(errInjected)
			if err := k.Load(context.Background()); !errors.Is(err, errInjected) {
				t.Fatalf("Load over a failing store: %v", err)
			}
			ts.setFailScan(nil)
			// Sealed writes that are not durable are still what reads see.
			for name, want := range map[string]string{"a": "ko100", "b": "", "c": ""} {
				got, ok := k.ServiceKref(name)
				if got != want || ok != (want != "") {
					t.Errorf("after a failed Load, ServiceKref(%s) = %q, %v; want %q", name, got, ok, want)
				}
			}
			// Not complete: a key the cache does not hold is read from the store.
			committedDirect(t, st, "svc.e", "ko5")
			if got, ok := k.ServiceKref("e"); !ok || got != "ko5" {
				t.Fatalf("after a failed Load, a store key is invisible: %q, %v", got, ok)
			}
			flush(t, k)
			st.Close()
		})
	})
}

// committedDirect writes key=value straight to the store.
func committedDirect(t *testing.T, st driver.Store, key, value string) {
	t.Helper()
	if err := st.Commit(context.Background(), []driver.Write{{Key: key, Value: value}}); err != nil {
		t.Fatal(err)
	}
}

func TestWipe(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		for _, loaded := range []bool{false, true} {
			t.Run(fmt.Sprintf("loaded=%v", loaded), func(t *testing.T) {
				st := openStore(t, url)
				ts := wrapStore(st)
				k := New(ts)
				if loaded {
					if err := k.Load(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
				committed(t, k, func() {
					k.NewObject("v1")
					k.SetServiceKref("a", "ko1")
					k.VatstoreSet("v1", "k", "v")
				})

				crank(k, func() { k.SetServiceKref("b", "ko2") })
				if err := k.Wipe(context.Background()); err == nil || !strings.Contains(err.Error(), "still being committed") {
					t.Fatalf("Wipe with a queued crank: %v", err)
				}
				release := ts.hold()
				k.StartBatch()
				<-ts.started
				if err := k.Wipe(context.Background()); err == nil {
					t.Fatal("Wipe succeeded with a batch in flight")
				}
				release()
				k.Finish(<-k.Done())
				if len(storeKeys(t, st)) == 0 {
					t.Fatal("a refused Wipe emptied the store")
				}

				if err := k.Wipe(context.Background()); err != nil {
					t.Fatal(err)
				}
				if keys := storeKeys(t, st); len(keys) != 0 {
					t.Fatalf("store after Wipe holds %v", keys)
				}
				for _, name := range []string{"a", "b"} {
					if got, ok := k.ServiceKref(name); ok {
						t.Errorf("after Wipe, ServiceKref(%s) = %q", name, got)
					}
				}
				if got := k.Vatstore("v1"); len(got) != 0 {
					t.Errorf("after Wipe, Vatstore = %v", got)
				}
				// Counters start again.
				committed(t, k, func() {
					if ko := k.NewObject("v2"); ko != "ko1" {
						t.Errorf("first object after Wipe = %s, want ko1", ko)
					}
				})
				if v, _ := raw(t, st, "o.ko1"); v != "v2" {
					t.Fatalf("store o.ko1 = %q after Wipe and a new crank", v)
				}
				if err := k.Wipe(context.Background()); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

// scanFamily is a table family with a scan accessor: put and drop item i,
// and list the items (by name) as the scan sees them.
type scanFamily struct {
	put  func(k *Keeper, i int)
	drop func(k *Keeper, i int)
	list func(k *Keeper) []string
	name func(i int) string
}

// checkScanStages writes a family's items at every stage a write can be
// in (durable, sealed in a batch in flight, sealed in a batch that
// committed but is not finished, sealed and queued, unsealed), with
// deletions at each, and checks the scan at each point, before and after
// Load, and on a fresh keeper over the store reopened.
func checkScanStages(t *testing.T, f scanFamily) {
	forEachStore(t, func(t *testing.T, url string) {
		st := openStore(t, url)
		ts := wrapStore(st)
		k := New(ts)
		check := func(when string, items ...int) {
			t.Helper()
			var want []string
			for _, i := range items {
				want = append(want, f.name(i))
			}
			got := f.list(k)
			if !slices.Equal(sorted(got), sorted(want)) {
				t.Fatalf("%s: scan = %v, want %v", when, got, sorted(want))
			}
		}

		committed(t, k, func() {
			for i := 1; i <= 4; i++ {
				f.put(k, i)
			}
		})
		check("durable", 1, 2, 3, 4)

		// Batch A: +5 +6 -1, held in flight.
		release := ts.hold()
		crank(k, func() { f.put(k, 5); f.put(k, 6); f.drop(k, 1) })
		k.StartBatch()
		<-ts.started
		// Batch B (queued): +7 -5 -2.
		crank(k, func() { f.put(k, 7); f.drop(k, 5); f.drop(k, 2) })
		// The crank (unsealed): +8 -3 -7 +1.
		f.put(k, 8)
		f.drop(k, 3)
		f.drop(k, 7)
		f.put(k, 1)
		check("batch A in flight, B queued, a crank running", 1, 4, 6, 8)
		release()
		res := <-k.Done()
		check("batch A committed, not finished", 1, 4, 6, 8)
		if err := k.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		check("after Load", 1, 4, 6, 8)
		k.Abort()
		check("the crank aborted", 3, 4, 6, 7)
		k.Finish(res)
		check("batch A finished", 3, 4, 6, 7)
		flush(t, k)
		check("every batch finished", 3, 4, 6, 7)
		// A deletion and a write in the same batch after Load.
		committed(t, k, func() { f.drop(k, 6); f.put(k, 9) })
		check("after a batch on the loaded keeper", 3, 4, 7, 9)

		st.Close()
		k = New(openStore(t, url))
		check("a fresh keeper", 3, 4, 7, 9)
		if err := k.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		check("a fresh keeper after Load", 3, 4, 7, 9)
	})
}
