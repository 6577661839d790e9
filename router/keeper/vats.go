package keeper

import (
	"strconv"
	"strings"
)

// Vats: the record each is started from, the counter for the vrefs the
// kernel allocates in it, and its vatstore.

func vatKey(vat string) string { return "vat." + vat }

func vatstoreKey(vat, key string) string { return vatstorePrefix + vat + "." + key }

// Vat reads vat's record; ok is false for an unknown (or terminated) vat.
func (k *Keeper) Vat(vat string) (*Vat, bool) {
	var rec Vat
	if !k.getJSON(vatKey(vat), &rec) {
		return nil, false
	}
	return &rec, true
}

// SetVat writes a vat's record.
func (k *Keeper) SetVat(rec *Vat) { k.setJSON(vatKey(rec.ID), rec) }

// NextImport allocates the number of the next vref the kernel gives vat.
func (k *Keeper) NextImport(vat string) string {
	return strconv.FormatInt(k.next(vatKey(vat)+".next"), 10)
}

// DeleteVat deletes everything the kernel keeps for vat: its record, its
// c-list (and the references its entries held) and its vatstore. Its
// bundle goes too when no other vat runs it.
func (k *Keeper) DeleteVat(vat string) {
	rec, _ := k.Vat(vat)
	for _, e := range k.CList(vat) {
		k.CListDrop(vat, e.Vref, e.Kref)
	}
	k.delPrefix(vatstoreKey(vat, ""))
	k.del(vatKey(vat))
	k.del(vatKey(vat) + ".next")
	if rec != nil {
		k.ReleaseBundle(rec.Bundle)
	}
}

// ReleaseBundle deletes bundle hash when no vat runs it any more.
func (k *Keeper) ReleaseBundle(hash string) {
	if hash != "" && !k.bundleUsed(hash) {
		k.del(bundleKey(hash))
	}
}

// VatIDs lists the vats that have a record.
func (k *Keeper) VatIDs() []string {
	var out []string
	for _, e := range k.scan(vatKey("")) {
		id := strings.TrimPrefix(e.key, vatKey(""))
		if !strings.Contains(id, ".") {
			out = append(out, id)
		}
	}
	return out
}

// bundleUsed reports whether any vat record names bundle hash.
func (k *Keeper) bundleUsed(hash string) bool {
	for _, id := range k.VatIDs() {
		if rec, ok := k.Vat(id); ok && rec.Bundle == hash {
			return true
		}
	}
	return false
}

// VatstoreEntry is one key of a vatstore.
type VatstoreEntry struct{ Key, Value string }

// Vatstore lists vat's vatstore in key order.
func (k *Keeper) Vatstore(vat string) []VatstoreEntry {
	prefix := vatstoreKey(vat, "")
	var out []VatstoreEntry
	for _, e := range k.scan(prefix) {
		out = append(out, VatstoreEntry{Key: strings.TrimPrefix(e.key, prefix), Value: e.value})
	}
	return out
}

// VatstoreGet reads one key of vat's vatstore. Vatstores are not kept in
// memory (see Load): the vat's worker caches what it reads.
func (k *Keeper) VatstoreGet(vat, key string) (string, bool) { return k.get(vatstoreKey(vat, key)) }

// VatstoreEntries lists up to limit entries of vat's vatstore whose keys
// start with prefix and sort after `after`, in key order; more says that
// more may follow the last one.
func (k *Keeper) VatstoreEntries(vat, prefix, after string, limit int) (entries []VatstoreEntry, more bool) {
	base := vatstoreKey(vat, "")
	from := base + prefix
	if after >= prefix {
		from = base + after + "\x00"
	}
	found, more := k.scanRange(base+prefix, from, limit)
	out := make([]VatstoreEntry, len(found))
	for i, e := range found {
		out[i] = VatstoreEntry{Key: strings.TrimPrefix(e.key, base), Value: e.value}
	}
	return out, more
}

// VatstoreBytes is the size of vat's vatstore, keys plus values. It reads
// the vatstore a page at a time, holding none of it.
func (k *Keeper) VatstoreBytes(vat string) int64 {
	var n int64
	after := ""
	for {
		page, more := k.VatstoreEntries(vat, "", after, 1000)
		for _, e := range page {
			n += int64(len(e.Key) + len(e.Value))
			after = e.Key
		}
		if !more || len(page) == 0 {
			return n
		}
	}
}

// VatstoreSet writes one key of vat's vatstore.
func (k *Keeper) VatstoreSet(vat, key, value string) { k.set(vatstoreKey(vat, key), value) }

// VatstoreDelete deletes one key of vat's vatstore.
func (k *Keeper) VatstoreDelete(vat, key string) { k.del(vatstoreKey(vat, key)) }
