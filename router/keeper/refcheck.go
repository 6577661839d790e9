package keeper

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The refcount check recomputes every count from the tables that hold
// references (c-lists, queues, promises, services, io channels, host
// references, ocap URLs) and compares them with the stored counts. A kernel killed at
// any instant must restart with counts that pass it.

// RefMismatch is a kref whose stored count differs from the tables.
type RefMismatch struct {
	Kref             string
	Stored, Computed string
}

func (m RefMismatch) String() string {
	return fmt.Sprintf("%s: stored %s, the tables say %s", m.Kref, m.Stored, m.Computed)
}

// refsMarker says the store's counts are kept (stores written before they
// were are recounted once, at start-up).
const refsMarker = "kernel.refcounts"

type tally struct {
	objects  map[string]Counts
	promises map[string]int64
}

func (t *tally) add(kref string, reachable bool, n int64) {
	switch {
	case isPromise(kref):
		t.promises[kref] += n
	case isObject(kref):
		c := t.objects[kref]
		c.Recognizable += n
		if reachable {
			c.Reachable += n
		}
		t.objects[kref] = c
	}
}

func (t *tally) addItem(item RunItem) {
	for _, kref := range itemRefs(item) {
		t.add(kref, true, 1)
	}
}

// recount computes what every existing object's and promise's count
// should be.
func (k *Keeper) recount() tally {
	t := tally{objects: map[string]Counts{}, promises: map[string]int64{}}
	for _, e := range k.scan("c.") {
		ref := e.key[strings.LastIndexByte(e.key, '.')+1:]
		if !strings.HasPrefix(ref, "k") {
			continue // the vref→kref direction
		}
		vref, recognizableOnly := strings.CutSuffix(e.value, onlyRecognizable)
		if clistCounts(vref) {
			t.add(ref, vref == "o+0" || !recognizableOnly, 1)
		}
	}
	decode := func(key, value string, v any) {
		if err := json.Unmarshal([]byte(value), v); err != nil {
			panic(StoreError{fmt.Errorf("key %s holds malformed JSON: %w", key, err)})
		}
	}
	for _, e := range k.scan("rq.") {
		if e.key == runQueue.headKey() || e.key == runQueue.tailKey() {
			continue
		}
		var item RunItem
		decode(e.key, e.value, &item)
		t.addItem(item)
	}
	for _, e := range k.scan("kp.") {
		var item RunItem
		if strings.Contains(e.key, ".q.") {
			decode(e.key, e.value, &item)
			t.addItem(item)
			continue
		}
		var p Promise
		decode(e.key, e.value, &p)
		if _, seen := t.promises[e.key[3:]]; !seen {
			t.promises[e.key[3:]] = 0
		}
		if p.Settled() && p.Data != nil {
			for _, kref := range p.Data.Slots {
				t.add(kref, true, 1)
			}
		}
	}
	for _, e := range k.scan("svcwait.") {
		if e.key == "svcwait.next" {
			continue
		}
		var item RunItem
		decode(e.key, e.value, &item)
		t.addItem(item)
	}
	for _, e := range k.scan(callKey("")) {
		t.add(strings.TrimPrefix(e.key, callKey("")), true, 1)
	}
	for _, prefix := range []string{"svc.", "io.", "url."} {
		for _, e := range k.scan(prefix) {
			t.add(e.value, true, 1)
		}
	}
	for _, e := range k.scan("rmtret.") {
		_, kp, _ := strings.Cut(e.value, " ")
		t.add(kp, true, 1)
	}
	for _, e := range k.scan(hostKey("")) {
		n, _ := strconv.ParseInt(e.value, 10, 64)
		t.add(strings.TrimPrefix(e.key, hostKey("")), true, n)
	}
	// Only what exists has a count: references to deleted krefs hold nothing.
	exists := map[string]bool{}
	for _, e := range k.scan("o.") {
		if ko := strings.TrimPrefix(e.key, "o."); !strings.Contains(ko, ".") {
			exists[ko] = true
		}
	}
	for ko := range t.objects {
		if !exists[ko] {
			delete(t.objects, ko)
		}
	}
	for ko := range exists {
		if _, ok := t.objects[ko]; !ok {
			t.objects[ko] = Counts{}
		}
	}
	for kp := range t.promises {
		if _, ok := k.Promise(kp); !ok {
			delete(t.promises, kp)
		}
	}
	return t
}

// CheckRefs compares every stored count with the tables; it returns the
// krefs that differ, in kref order.
func (k *Keeper) CheckRefs() []RefMismatch {
	out, _ := k.checkRefs()
	return out
}

func (k *Keeper) checkRefs() ([]RefMismatch, tally) {
	t := k.recount()
	var out []RefMismatch
	for ko, want := range t.objects {
		if got := k.ObjectRefs(ko); got != want {
			out = append(out, RefMismatch{ko, formatCounts(got), formatCounts(want)})
		}
	}
	for kp, want := range t.promises {
		if got := k.PromiseRefs(kp); got != want {
			out = append(out, RefMismatch{kp, strconv.FormatInt(got, 10), strconv.FormatInt(want, 10)})
		}
	}
	sortMismatches(out)
	return out, t
}

// RepairRefs writes the counts the tables say, marks the store as keeping
// counts, and returns what it changed. What nothing refers to is left for
// the end of the crank to look at: it may be free.
func (k *Keeper) RepairRefs() []RefMismatch {
	fixed, t := k.checkRefs()
	for _, m := range fixed {
		if isObject(m.Kref) {
			k.setObjectRefs(m.Kref, t.objects[m.Kref])
		} else if p, ok := k.Promise(m.Kref); ok {
			k.setPromiseRefs(m.Kref, p, t.promises[m.Kref])
		}
	}
	for ko, c := range t.objects {
		if c.Reachable == 0 {
			k.NoteMaybeFree(ko)
		}
	}
	for kp, n := range t.promises {
		if n == 0 {
			k.NoteMaybeFree(kp)
		}
	}
	k.MarkRefsKept()
	return fixed
}

// RefsKept reports whether the store's counts are kept (see RepairRefs).
func (k *Keeper) RefsKept() bool { return k.has(refsMarker) }

// MarkRefsKept records that the store's counts are kept (a fresh store).
func (k *Keeper) MarkRefsKept() { k.set(refsMarker, "1") }

func formatCounts(c Counts) string {
	return strconv.FormatInt(c.Reachable, 10) + "," + strconv.FormatInt(c.Recognizable, 10)
}

func sortMismatches(ms []RefMismatch) {
	krefs := make([]string, len(ms))
	byKref := map[string]RefMismatch{}
	for i, m := range ms {
		krefs[i] = m.Kref
		byKref[m.Kref] = m
	}
	sortKrefs(krefs)
	for i, kref := range krefs {
		ms[i] = byKref[kref]
	}
}
