package keeper

import "strings"

// Kernel objects: each has an owner (the vat that exports it, or the
// kernel for a service) and may be gone or revoked.

// KernelOwner owns the objects of kernel services.
const KernelOwner = "kernel"

func objectKey(ko string) string { return "o." + ko }

// NewObject allocates an object owned by owner.
func (k *Keeper) NewObject(owner string) string {
	ko := k.NewObjectRef()
	k.set(objectKey(ko), owner)
	return ko
}

// ObjectOwner returns the owner of ko; ok is false for an unknown object.
func (k *Keeper) ObjectOwner(ko string) (owner string, ok bool) { return k.get(objectKey(ko)) }

// ObjectGone returns why ko no longer exists, if it does not.
func (k *Keeper) ObjectGone(ko string) (why string, gone bool) { return k.get(objectKey(ko) + ".gone") }

// SetObjectGone records that ko no longer exists, and why: its owner is
// gone, so the object goes too once nothing refers to it.
func (k *Keeper) SetObjectGone(ko, why string) {
	k.set(objectKey(ko)+".gone", why)
	k.NoteMaybeFree(ko)
}

// DeleteObject deletes every row of ko. Whatever still names it (an
// importer's c-list, until its retireImports) then names nothing.
func (k *Keeper) DeleteObject(ko string) {
	for _, suffix := range []string{"", ".gone", ".revoked", ".iface", ".refs"} {
		k.del(objectKey(ko) + suffix)
	}
	k.dropHostRefs(ko)
}

// IsRevoked reports whether ko was revoked.
func (k *Keeper) IsRevoked(ko string) bool { return k.has(objectKey(ko) + ".revoked") }

// RevokedObjects lists every revoked object. The kernel asks at start-up,
// right after Load: then every key is in memory, and reading it there
// spares a second pass over the store.
func (k *Keeper) RevokedObjects() []string {
	var out []string
	add := func(key string) {
		if ko, ok := strings.CutSuffix(key, ".revoked"); ok && strings.HasPrefix(ko, "o.") && k.has(key) {
			out = append(out, strings.TrimPrefix(ko, "o."))
		}
	}
	if !k.complete {
		for _, e := range k.scan("o.") {
			add(e.key)
		}
		return out
	}
	for key := range k.cache {
		add(key)
	}
	for key := range k.buf {
		if _, cached := k.cache[key]; !cached {
			add(key)
		}
	}
	return out
}

// SetRevoked revokes ko, for good.
func (k *Keeper) SetRevoked(ko string) { k.set(objectKey(ko)+".revoked", "1") }

// Iface returns the interface name of ko, if it has one.
func (k *Keeper) Iface(ko string) string {
	iface, _ := k.get(objectKey(ko) + ".iface")
	return iface
}

// SetIface records the interface name of ko.
func (k *Keeper) SetIface(ko, iface string) { k.set(objectKey(ko)+".iface", iface) }
