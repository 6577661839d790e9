package liveslots

import (
	"runtime"
	"slices"
	"weak"

	"github.com/dop251/goja"
)

// weakTable maps vrefs to the JavaScript objects that stand for them
// (presences, exported objects) without keeping those objects alive: goja
// objects are Go values, so a weak.Pointer to one turns nil once nothing
// else, in JavaScript or Go, refers to it. Only liveslots reaches the table
// (through lib.host), so vat code can never observe a collection: what it
// learns from the table is only ever turned into syscalls at
// bringOutYourDead.
//
// The dead are found by a sweep after runtime.GC rather than by cleanup
// functions (runtime.AddCleanup): cleanups run on another goroutine at some
// time after the collection, so what a bringOutYourDead reported would
// depend on scheduling. runtime.GC returns only once the collection is
// complete, and a sweep right after it sees every object that collection
// freed, the same way each time. The sweep walks the live entries, which a
// full collection walks anyway.
type weakTable struct {
	entries map[string]weak.Pointer[goja.Object]
}

func newWeakTable() *weakTable {
	return &weakTable{entries: map[string]weak.Pointer[goja.Object]{}}
}

// set makes vref name obj, replacing an entry whose object was collected
// (the vref re-introduced since).
func (t *weakTable) set(vref string, obj *goja.Object) {
	t.entries[vref] = weak.Make(obj)
}

// get returns the object vref names, or nil if there is none or it was
// collected.
func (t *weakTable) get(vref string) *goja.Object {
	p, ok := t.entries[vref]
	if !ok {
		return nil
	}
	return p.Value()
}

// has reports whether vref has an entry, even one whose object was
// collected since the last collect: such a vref was not reported dead yet.
func (t *weakTable) has(vref string) bool {
	_, ok := t.entries[vref]
	return ok
}

// len is the number of entries, collected or not.
func (t *weakTable) len() int { return len(t.entries) }

// collect runs a full garbage collection and removes and returns, sorted,
// the vrefs whose objects it (or an earlier one) freed.
func (t *weakTable) collect() []string {
	runtime.GC()
	var dead []string
	for vref, p := range t.entries {
		if p.Value() == nil {
			dead = append(dead, vref)
			delete(t.entries, vref)
		}
	}
	slices.Sort(dead)
	return dead
}
