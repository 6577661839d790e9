package keeper

import (
	"slices"
	"testing"

	"github.com/ocapgo/ocap/marshal"
)

func TestClistCountsImportsAndRoots(t *testing.T) {
	k, _ := memKeeper(t)
	committed(t, k, func() {
		root := k.NewObject("v1")
		k.CListAdd("v1", "o+0", root)
		thing := k.NewObject("v1")
		k.CListAdd("v1", "o+1", thing)
		equal(t, "root's counts (its vat holds it)", k.ObjectRefs(root), Counts{1, 1})
		equal(t, "an export's counts (its exporter does not count)", k.ObjectRefs(thing), Counts{0, 0})

		k.CListAdd("v2", "o-1", thing)
		k.CListAdd("v3", "o-4", thing)
		equal(t, "counts with two importers", k.ObjectRefs(thing), Counts{2, 2})

		k.SetReachable("v2", thing, false)
		equal(t, "after v2 dropped it", k.ObjectRefs(thing), Counts{1, 2})
		if vref, _ := k.VrefOf("v2", thing); vref != "o-1" {
			t.Fatalf("VrefOf after a drop = %q, want o-1", vref)
		}
		k.SetReachable("v2", thing, false) // twice is once
		equal(t, "after v2 dropped it twice", k.ObjectRefs(thing), Counts{1, 2})
		k.CListDrop("v2", "o-1", thing)
		equal(t, "after v2 retired it", k.ObjectRefs(thing), Counts{1, 1})
		k.CListDrop("v3", "o-4", thing)
		equal(t, "with no importer", k.ObjectRefs(thing), Counts{0, 0})
		if free := k.TakeMaybeFree(); !slices.Contains(free, thing) {
			t.Fatalf("maybe-free = %v, want %s in it", free, thing)
		}
	})
}

func TestQueuesAndDataHoldReferences(t *testing.T) {
	k, _ := memKeeper(t)
	committed(t, k, func() {
		obj := k.NewObject("v1")
		target := k.NewObject("v1")
		kp := k.NewPromise("")
		args := &marshal.CapData{Body: `#["go",["$0.Alleged: x"]]`, Slots: []string{obj}}
		k.Enqueue(RunItem{Type: "send", Target: target, Methargs: args, Result: kp})
		equal(t, "argument held by the run queue", k.ObjectRefs(obj), Counts{1, 1})
		equal(t, "result held by the run queue", k.PromiseRefs(kp), int64(1))

		// Parked on a promise, then moved back: counts are unchanged.
		waitOn := k.NewPromise("v2")
		item, _ := k.Peek()
		k.Pop()
		p, _ := k.Promise(waitOn)
		k.QueueOnPromise(waitOn, p, item)
		equal(t, "argument held by a promise's queue", k.ObjectRefs(obj), Counts{1, 1})
		p, _ = k.Promise(waitOn)
		for _, it := range k.TakePromiseQueue(waitOn, p) {
			k.Enqueue(it)
		}
		k.SetPromise(waitOn, p)
		equal(t, "argument held by the run queue again", k.ObjectRefs(obj), Counts{1, 1})
		k.Pop()
		equal(t, "argument once popped", k.ObjectRefs(obj), Counts{0, 0})

		// Settled data holds its slots until the promise goes.
		p, _ = k.Promise(kp)
		p.State, p.Data = Fulfilled, args
		k.SettlePromise(kp, p)
		equal(t, "object in settled data", k.ObjectRefs(obj), Counts{1, 1})
		k.DeletePromise(kp)
		equal(t, "object once the promise is deleted", k.ObjectRefs(obj), Counts{0, 0})
		if _, ok := k.Promise(kp); ok {
			t.Fatal("DeletePromise left the record")
		}
	})
}

func TestSetPromiseKeepsTheStoredCount(t *testing.T) {
	k, _ := memKeeper(t)
	kp := k.NewPromise("v1")
	stale, _ := k.Promise(kp)
	k.CListAdd("v1", "p+1", kp)
	k.SetPromise(kp, stale) // a record read before the c-list entry
	equal(t, "count after writing a stale record", k.PromiseRefs(kp), int64(1))
}

// TestCheckRefsFindsAndRepairs runs the check on a store busy with every
// kind of reference, on both drivers, read afresh: it must pass, find a
// count someone broke, and repair it.
func TestCheckRefsFindsAndRepairs(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		st := openStore(t, url)
		k := New(st)
		exerciseAll(t, k)
		var thing string
		committed(t, k, func() {
			thing = k.NewObject("v1")
			k.CListAdd("v1", "o+7", thing)
			k.CListAdd("v2", "o-7", thing)
			k.AddHostRef(thing)
			k.SetIOChannel("s1", "out", thing)
		})
		k = New(st) // as a restarted kernel reads it
		if err := k.Load(t.Context()); err != nil {
			t.Fatal(err)
		}
		if bad := k.CheckRefs(); len(bad) > 0 {
			t.Fatalf("CheckRefs on a consistent store = %v", bad)
		}
		equal(t, "counts of an import, a host ref and an io channel", k.ObjectRefs(thing), Counts{3, 3})
		committed(t, k, func() { k.setObjectRefs(thing, Counts{1, 5}) })
		bad := k.CheckRefs()
		if len(bad) != 1 || bad[0].Kref != thing || bad[0].Stored != "1,5" || bad[0].Computed != "3,3" {
			t.Fatalf("CheckRefs after breaking %s = %v", thing, bad)
		}
		committed(t, k, func() { k.RepairRefs() })
		if bad := k.CheckRefs(); len(bad) > 0 {
			t.Fatalf("CheckRefs after RepairRefs = %v", bad)
		}
	})
}

func TestStatsFollowTheTables(t *testing.T) {
	k, st := memKeeper(t)
	var ko string
	committed(t, k, func() {
		ko = k.NewObject("v1")
		k.CListAdd("v2", "o-1", ko)
		k.NewPromise("v1")
	})
	k = New(st)
	if err := k.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	s := k.Stats()
	if s.Objects.Load() != 1 || s.Promises.Load() != 1 || s.CListEntries.Load() != 1 {
		t.Fatalf("after Load: %d objects, %d promises, %d c-list entries; want 1, 1, 1", s.Objects.Load(), s.Promises.Load(), s.CListEntries.Load())
	}
	committed(t, k, func() {
		k.CListDrop("v2", "o-1", ko)
		k.DeleteObject(ko)
		k.NewObject("v1")
		k.NewObject("v1")
	})
	if s.Objects.Load() != 2 || s.CListEntries.Load() != 0 {
		t.Fatalf("after a crank: %d objects, %d c-list entries; want 2, 0", s.Objects.Load(), s.CListEntries.Load())
	}
}

// A key written by one crank and deleted by the next, both in one commit
// batch, leaves nothing in memory: a kernel that deletes each settled
// promise a crank or two after making it must not grow with them.
func TestBatchThatWritesAndDeletesLeavesNoCacheEntry(t *testing.T) {
	k, _ := memKeeper(t)
	var kps []string
	for i := 0; i < 50; i++ {
		crank(k, func() { kps = append(kps, k.NewPromise("v1")) })
		crank(k, func() { k.DeletePromise(kps[len(kps)-1]) })
	}
	flush(t, k)
	for _, kp := range kps {
		if _, cached := k.cache[promiseKey(kp)]; cached {
			t.Fatalf("the deleted promise %s is still in the keeper's cache", kp)
		}
	}
}
