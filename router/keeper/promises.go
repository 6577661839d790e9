package keeper

import "strconv"

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
	var p Promise
	if !k.getJSON(promiseKey(kp), &p) {
		return nil, false
	}
	return &p, true
}

// SetPromise writes kp.
func (k *Keeper) SetPromise(kp string, p *Promise) { k.setJSON(promiseKey(kp), p) }

// QueueOnPromise parks item on kp, whose record is p, and writes p.
func (k *Keeper) QueueOnPromise(kp string, p *Promise, item RunItem) {
	k.setJSON(promiseQueueKey(kp, p.QueueTail), item)
	p.QueueTail++
	k.SetPromise(kp, p)
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
	p.QueueHead, p.QueueTail = 0, 0
	return items
}
