package keeper

import "strings"

// C-lists: each vat's table between its vrefs and krefs, kept in both
// directions so either lookup is one read.

func clistKey(vat, ref string) string { return "c." + vat + "." + ref }

// CListAdd records that vat knows kref as vref.
func (k *Keeper) CListAdd(vat, vref, kref string) {
	k.set(clistKey(vat, vref), kref)
	k.set(clistKey(vat, kref), vref)
}

// CListDrop removes the entry between vref and kref from vat's c-list.
func (k *Keeper) CListDrop(vat, vref, kref string) {
	k.del(clistKey(vat, vref))
	k.del(clistKey(vat, kref))
}

// KrefOf returns the kref vat's vref stands for.
func (k *Keeper) KrefOf(vat, vref string) (string, bool) { return k.get(clistKey(vat, vref)) }

// VrefOf returns the vref vat knows kref by.
func (k *Keeper) VrefOf(vat, kref string) (string, bool) { return k.get(clistKey(vat, kref)) }

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
