package keeper

import (
	"slices"
	"strconv"

	"github.com/ocapgo/ocap/marshal"
)

// Kernel promises: a record each, and the messages sent to an unresolved
// promise, queued under it in the order they arrived.

func promiseKey(kp string) string { return "kp." + kp }

func promiseQueueKey(kp string, n int64) string {
	return promiseKey(kp) + ".q." + strconv.FormatInt(n, 10)
}

// NewPromise allocates an unresolved promise decided by decider ("" for
// none yet).
func (k *Keeper) NewPromise(decider string) string {
	kp := k.NewPromiseRef()
	k.SetPromise(kp, &Promise{State: Unresolved, Decider: decider})
	return kp
}

// Promise reads kp; ok is false for an unknown promise.
func (k *Keeper) Promise(kp string) (*Promise, bool) {
	key := promiseKey(kp)
	raw, ok := k.get(key)
	if !ok {
		k.promises.forget(key)
		return nil, false
	}
	p := k.promises.decode(key, raw)
	return &p, true
}

// putPromise writes kp's record.
func (k *Keeper) putPromise(kp string, p *Promise) {
	key := promiseKey(kp)
	k.promises.remember(key, k.setJSON(key, p), p)
}

// clone copies p deeply: a caller may change what it was given.
func (p *Promise) clone() Promise {
	c := *p
	c.Subscribers = slices.Clone(p.Subscribers)
	c.Followers = slices.Clone(p.Followers)
	c.Data = cloneCapData(p.Data)
	return c
}

func cloneCapData(cd *marshal.CapData) *marshal.CapData {
	if cd == nil {
		return nil
	}
	return &marshal.CapData{Body: cd.Body, Slots: slices.Clone(cd.Slots)}
}

// SetPromise writes kp. Its reference count is the keeper's to keep:
// the one stored stays, whatever p says.
func (k *Keeper) SetPromise(kp string, p *Promise) {
	if cur, ok := k.Promise(kp); ok {
		p.Refs = cur.Refs
	} else {
		p.Refs = 0
	}
	k.putPromise(kp, p)
}

// SettlePromise writes kp, just settled with p.Data: the data's krefs
// are referenced from now on, and kp may go once nothing refers to it.
func (k *Keeper) SettlePromise(kp string, p *Promise) {
	k.SetPromise(kp, p)
	if p.Data != nil {
		for _, kref := range p.Data.Slots {
			k.incRef(kref, true)
		}
	}
	k.NoteMaybeFree(kp)
}

// DeletePromise deletes kp, its queue and the references its data held.
func (k *Keeper) DeletePromise(kp string) {
	p, ok := k.Promise(kp)
	if !ok {
		return
	}
	k.TakePromiseQueue(kp, p)
	k.del(promiseKey(kp))
	k.promises.forget(promiseKey(kp))
	k.dropHostRefs(kp)
	if p.Settled() && p.Data != nil {
		for _, kref := range p.Data.Slots {
			k.decRef(kref, true)
		}
	}
}

// QueueOnPromise parks item on kp, whose record is p, and writes p.
func (k *Keeper) QueueOnPromise(kp string, p *Promise, item RunItem) {
	k.setJSON(promiseQueueKey(kp, p.QueueTail), item)
	p.QueueTail++
	k.SetPromise(kp, p)
	k.holdItem(item)
}

// TakePromiseQueue removes and returns the messages parked on kp, in the
// order they arrived, and empties p's queue bounds; the caller writes p.
func (k *Keeper) TakePromiseQueue(kp string, p *Promise) []RunItem {
	var items []RunItem
	for n := p.QueueHead; n < p.QueueTail; n++ {
		key := promiseQueueKey(kp, n)
		var item RunItem
		if k.getJSON(key, &item) {
			items = append(items, item)
		}
		k.del(key)
	}
	for _, item := range items {
		k.releaseItem(item)
	}
	p.QueueHead, p.QueueTail = 0, 0
	return items
}
