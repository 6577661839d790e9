package keeper

import "strings"

// C-lists: each vat's table between its vrefs and krefs, kept in both
// directions so either lookup is one read. The kref→vref direction also
// says whether the vat can still reach the object or only recognize it
// (it dropped its import, or the kernel told it nobody needs its export):
// "<vref>" or "<vref> recognizable".

func clistKey(vat, ref string) string { return "c." + vat + "." + ref }

const onlyRecognizable = " recognizable"

// CListAdd records that vat knows kref as vref, reachable, and counts the
// reference (see refcounts.go).
func (k *Keeper) CListAdd(vat, vref, kref string) {
	if !k.has(clistKey(vat, kref)) {
		k.clistDelta[vat]++
	}
	k.set(clistKey(vat, vref), kref)
	k.set(clistKey(vat, kref), vref)
	if clistCounts(vref) {
		k.incRef(kref, true)
	}
}

// CListDrop removes the entry between vref and kref from vat's c-list, and
// the reference it held.
func (k *Keeper) CListDrop(vat, vref, kref string) {
	reach := vref == "o+0" || k.Reachable(vat, kref)
	if k.has(clistKey(vat, kref)) {
		k.clistDelta[vat]--
	}
	k.del(clistKey(vat, vref))
	k.del(clistKey(vat, kref))
	if clistCounts(vref) {
		k.decRef(kref, reach)
	}
}

// clistCounts says whether a c-list entry holds a reference on its kref:
// every promise entry and import does, an export does not (its exporter
// is the object), except a vat's root, which its vat holds while it lives.
func clistCounts(vref string) bool {
	return strings.HasPrefix(vref, "p") || strings.HasPrefix(vref, "o-") || vref == "o+0"
}

// KrefOf returns the kref vat's vref stands for.
func (k *Keeper) KrefOf(vat, vref string) (string, bool) { return k.get(clistKey(vat, vref)) }

// VrefOf returns the vref vat knows kref by.
func (k *Keeper) VrefOf(vat, kref string) (string, bool) {
	v, ok := k.get(clistKey(vat, kref))
	return strings.TrimSuffix(v, onlyRecognizable), ok
}

// Reachable reports whether vat's entry for kref is marked reachable
// (false when it has none).
func (k *Keeper) Reachable(vat, kref string) bool {
	v, ok := k.get(clistKey(vat, kref))
	return ok && !strings.HasSuffix(v, onlyRecognizable)
}

// SetReachable marks vat's entry for kref reachable or not; an import's
// reachable count follows its flag.
func (k *Keeper) SetReachable(vat, kref string, reachable bool) {
	vref, ok := k.VrefOf(vat, kref)
	if !ok || k.Reachable(vat, kref) == reachable {
		return
	}
	if reachable {
		k.set(clistKey(vat, kref), vref)
	} else {
		k.set(clistKey(vat, kref), vref+onlyRecognizable)
	}
	if !strings.HasPrefix(vref, "o-") {
		return
	}
	c := k.ObjectRefs(kref)
	if _, exists := k.ObjectOwner(kref); !exists {
		return
	}
	if reachable {
		c.Reachable++
	} else {
		c.Reachable = max(c.Reachable-1, 0)
		if c.Reachable == 0 {
			k.NoteMaybeFree(kref)
		}
	}
	k.setObjectRefs(kref, c)
}

// CListEntry is one vref of a vat's c-list and the kref it stands for.
type CListEntry struct{ Vref, Kref string }

// CList lists vat's c-list by vref.
func (k *Keeper) CList(vat string) []CListEntry {
	prefix := clistKey(vat, "")
	var out []CListEntry
	for _, e := range k.scan(prefix) {
		ref := strings.TrimPrefix(e.key, prefix)
		if strings.HasPrefix(ref, "k") {
			continue // the kref→vref direction
		}
		out = append(out, CListEntry{Vref: ref, Kref: e.value})
	}
	return out
}
