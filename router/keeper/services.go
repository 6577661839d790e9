package keeper

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Kernel services: the kref each registered name answers at, messages that
// reached a service before it was registered (parked until it is), and the
// calls in progress (so a restart can reject what it interrupted).

func serviceKey(name string) string { return "svc." + name }

func parkedKey(kref string) string { return "svcwait." + kref + "." }

func callKey(kp string) string { return "svccall." + kp }

// ServiceKref returns the kref of the service registered as name.
func (k *Keeper) ServiceKref(name string) (string, bool) { return k.get(serviceKey(name)) }

// SetServiceKref records the kref of the service name, which holds it.
func (k *Keeper) SetServiceKref(name, kref string) {
	if old, ok := k.ServiceKref(name); ok {
		k.decRef(old, true)
	}
	k.set(serviceKey(name), kref)
	k.incRef(kref, true)
}

// DeleteService forgets the service name.
func (k *Keeper) DeleteService(name string) {
	if kref, ok := k.ServiceKref(name); ok {
		k.decRef(kref, true)
	}
	k.del(serviceKey(name))
}

// ParkServiceCall keeps a message to a service that is not registered yet.
func (k *Keeper) ParkServiceCall(kref string, item RunItem) {
	n := k.next("svcwait.next")
	k.setJSON(parkedKey(kref)+strconv.FormatInt(n, 10), item)
	k.holdItem(item)
}

// TakeParkedCalls removes and returns the messages parked for kref, in the
// order they arrived.
func (k *Keeper) TakeParkedCalls(kref string) []RunItem {
	prefix := parkedKey(kref)
	entries := k.scan(prefix)
	// The keys sort as text (…9 after …10): order them by number.
	num := func(e kv) int64 {
		n, _ := strconv.ParseInt(strings.TrimPrefix(e.key, prefix), 10, 64)
		return n
	}
	slices.SortFunc(entries, func(a, b kv) int { return cmp.Compare(num(a), num(b)) })
	items := make([]RunItem, 0, len(entries))
	for _, e := range entries {
		var item RunItem
		if k.getJSON(e.key, &item) {
			items = append(items, item)
			k.releaseItem(item)
		}
		k.del(e.key)
	}
	return items
}

// SetServiceCall records that the service name decides kp: a call in
// progress. The call holds kp until it finishes.
func (k *Keeper) SetServiceCall(kp, name string) {
	if !k.has(callKey(kp)) {
		k.incRef(kp, true)
	}
	k.set(callKey(kp), name)
}

// ClearServiceCall records that the call deciding kp finished.
func (k *Keeper) ClearServiceCall(kp string) {
	if k.has(callKey(kp)) {
		k.decRef(kp, true)
	}
	k.del(callKey(kp))
}

// ServiceCall is a call in progress: the promise it decides and the
// service's name.
type ServiceCall struct{ KP, Service string }

// ServiceCalls lists the calls in progress.
func (k *Keeper) ServiceCalls() []ServiceCall {
	var out []ServiceCall
	for _, e := range k.scan(callKey("")) {
		out = append(out, ServiceCall{KP: strings.TrimPrefix(e.key, callKey("")), Service: e.value})
	}
	return out
}
