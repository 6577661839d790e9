package keeper

// IO channels: the kref each io entry of a subcluster's config answers at.
// They are kept apart from kernel services so that no name reaches them:
// only the subcluster's own bootstrap is given their krefs.

func ioKey(sub, name string) string { return "io." + sub + "." + name }

// IOChannel returns the kref of subcluster sub's io channel name.
func (k *Keeper) IOChannel(sub, name string) (string, bool) {
	if kref, ok := k.get(ioKey(sub, name)); ok {
		return kref, true
	}
	// Stores written before io channels had a family of their own kept
	// them as services named io.<sub>.<name>: move such an entry here.
	old := "io." + sub + "." + name
	kref, ok := k.ServiceKref(old)
	if ok {
		k.SetIOChannel(sub, name, kref)
		k.DeleteService(old)
	}
	return kref, ok
}

// SetIOChannel records the kref of subcluster sub's io channel name,
// which holds it.
func (k *Keeper) SetIOChannel(sub, name, kref string) {
	k.set(ioKey(sub, name), kref)
	k.incRef(kref, true)
}

// DeleteIOChannel forgets subcluster sub's io channel name.
func (k *Keeper) DeleteIOChannel(sub, name string) {
	if kref, ok := k.get(ioKey(sub, name)); ok {
		k.decRef(kref, true)
	}
	k.del(ioKey(sub, name))
}
