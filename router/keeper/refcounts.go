package keeper

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Reference counts, kept as SwingSet's kernel keeps them. Every table that
// names a kref holds a reference on it, and the keeper counts it in the
// same write that adds or removes the entry, so the counts commit with the
// crank that changed them:
//
//   - an object has a reachable and a recognizable count (o.<ko>.refs):
//     importing c-list entries count in both while the importer can reach
//     it, in recognizable only once it dropped it; the exporter's own entry
//     does not count, except a vat's root (o+0), which its vat holds;
//   - a promise has one count, in its record: every c-list entry (the
//     decider's included) counts;
//   - for both, each run-queue item, message queued on a promise, parked
//     service call, settled promise's data, service call in progress,
//     registered service, io channel and host reference counts once.
//
// A count that falls to zero (and a promise that settles) puts the kref in
// the crank's maybe-free set; the router looks at each at the end of the
// crank (TakeMaybeFree). Nothing is freed during the crank: a message moved
// from one queue to another drops its counts for a moment.

// Counts are an object's reference counts.
type Counts struct {
	Reachable    int64 `json:"reachable"`
	Recognizable int64 `json:"recognizable"`
}

func objectRefsKey(ko string) string { return objectKey(ko) + ".refs" }

func hostKey(kref string) string { return "host." + kref }

func isPromise(kref string) bool { return strings.HasPrefix(kref, "kp") }

func isObject(kref string) bool { return strings.HasPrefix(kref, "ko") }

// ObjectRefs returns ko's counts (zero for an unknown object).
func (k *Keeper) ObjectRefs(ko string) Counts {
	v, ok := k.get(objectRefsKey(ko))
	if !ok {
		return Counts{}
	}
	r, g, found := strings.Cut(v, ",")
	reach, err1 := strconv.ParseInt(r, 10, 64)
	recog, err2 := strconv.ParseInt(g, 10, 64)
	if !found || err1 != nil || err2 != nil {
		panic(StoreError{fmt.Errorf("key %s holds %q, not two counts", objectRefsKey(ko), v)})
	}
	return Counts{reach, recog}
}

func (k *Keeper) setObjectRefs(ko string, c Counts) {
	if c == (Counts{}) {
		k.del(objectRefsKey(ko))
		return
	}
	k.set(objectRefsKey(ko), strconv.FormatInt(c.Reachable, 10)+","+strconv.FormatInt(c.Recognizable, 10))
}

// PromiseRefs returns kp's count (zero for an unknown promise).
func (k *Keeper) PromiseRefs(kp string) int64 {
	p, ok := k.Promise(kp)
	if !ok {
		return 0
	}
	return p.Refs
}

func (k *Keeper) setPromiseRefs(kp string, p *Promise, n int64) {
	p.Refs = n
	k.putPromise(kp, p)
}

// incRef adds a reference to kref: a reachable one, or (for objects) one
// that only recognizes it. Unknown krefs are left alone: what refers to a
// deleted kref holds nothing.
func (k *Keeper) incRef(kref string, reachable bool) {
	switch {
	case isPromise(kref):
		if p, ok := k.Promise(kref); ok {
			k.setPromiseRefs(kref, p, p.Refs+1)
		}
	case isObject(kref):
		if _, ok := k.ObjectOwner(kref); !ok {
			return
		}
		c := k.ObjectRefs(kref)
		c.Recognizable++
		if reachable {
			c.Reachable++
		}
		k.setObjectRefs(kref, c)
	}
}

// decRef takes away a reference incRef added. A count never goes below
// zero: the refcount check reports a kernel that lost track.
func (k *Keeper) decRef(kref string, reachable bool) { k.decRefBy(kref, reachable, 1) }

// decRefBy takes away n references at once.
func (k *Keeper) decRefBy(kref string, reachable bool, n int64) {
	switch {
	case isPromise(kref):
		if p, ok := k.Promise(kref); ok {
			k.setPromiseRefs(kref, p, max(p.Refs-n, 0))
			if p.Refs == 0 {
				k.NoteMaybeFree(kref)
			}
		}
	case isObject(kref):
		if _, ok := k.ObjectOwner(kref); !ok {
			return
		}
		c := k.ObjectRefs(kref)
		c.Recognizable = max(c.Recognizable-n, 0)
		if reachable {
			c.Reachable = max(c.Reachable-n, 0)
		}
		k.setObjectRefs(kref, c)
		if c.Reachable == 0 || c.Recognizable == 0 {
			k.NoteMaybeFree(kref)
		}
	}
}

// NoteMaybeFree asks the end of the crank to look at kref.
func (k *Keeper) NoteMaybeFree(kref string) {
	if k.maybeFree == nil {
		k.maybeFree = map[string]bool{}
	}
	k.maybeFree[kref] = true
}

// TakeMaybeFree returns and forgets the krefs to look at, sorted so that a
// crank frees things in a deterministic order.
func (k *Keeper) TakeMaybeFree() []string {
	out := make([]string, 0, len(k.maybeFree))
	for kref := range k.maybeFree {
		out = append(out, kref)
	}
	clear(k.maybeFree)
	sortKrefs(out)
	return out
}

// itemRefs lists the krefs a queued message or notify names.
func itemRefs(item RunItem) []string {
	var out []string
	for _, kref := range []string{item.Target, item.Result, item.KP} {
		if kref != "" {
			out = append(out, kref)
		}
	}
	if item.Methargs != nil {
		out = append(out, item.Methargs.Slots...)
	}
	return out
}

func (k *Keeper) holdItem(item RunItem) {
	for _, kref := range itemRefs(item) {
		k.incRef(kref, true)
	}
}

func (k *Keeper) releaseItem(item RunItem) {
	for _, kref := range itemRefs(item) {
		k.decRef(kref, true)
	}
}

// HostRefs returns how many references the host holds on kref.
func (k *Keeper) HostRefs(kref string) int64 { return k.getInt(hostKey(kref)) }

// AddHostRef records that the host holds kref (it was handed to it):
// an object it holds stays reachable, as SwingSet's external references.
func (k *Keeper) AddHostRef(kref string) {
	if !isPromise(kref) && !isObject(kref) {
		return
	}
	k.setInt(hostKey(kref), k.HostRefs(kref)+1)
	k.incRef(kref, true)
}

// ReleaseHostRefs drops every reference the host holds on kref and
// returns how many there were: kref is then collected once nothing else
// refers to it.
func (k *Keeper) ReleaseHostRefs(kref string) int64 {
	n := k.HostRefs(kref)
	if n == 0 {
		return 0
	}
	k.dropHostRefs(kref)
	k.decRefBy(kref, true, n)
	return n
}

// dropHostRefs forgets the host's references on kref, when kref goes.
func (k *Keeper) dropHostRefs(kref string) { k.del(hostKey(kref)) }

// sortKrefs orders krefs by kind, then number (ko2 before ko10).
func sortKrefs(krefs []string) {
	num := func(s string) int64 {
		n, _ := strconv.ParseInt(s[2:], 10, 64)
		return n
	}
	less := func(a, b string) int {
		if a[:2] != b[:2] {
			return strings.Compare(a[:2], b[:2])
		}
		return cmp.Compare(num(a), num(b))
	}
	slices.SortFunc(krefs, less)
}
