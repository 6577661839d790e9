package keeper

import "strconv"

// The run queue is durable: items rq.<n> for n in [rq.head, rq.tail).
// Pushing and popping touch a constant number of keys, so a long queue costs
// no more per item than a short one. The GC queue (gcq.*) is built the same
// way.

// fifo is a durable queue under prefix: <prefix>.head, <prefix>.tail,
// <prefix>.<n>.
type fifo string

func (q fifo) headKey() string        { return string(q) + ".head" }
func (q fifo) tailKey() string        { return string(q) + ".tail" }
func (q fifo) itemKey(n int64) string { return string(q) + "." + strconv.FormatInt(n, 10) }

const runQueue fifo = "rq"

func (k *Keeper) push(q fifo, item any) {
	tail := k.getInt(q.tailKey())
	k.setJSON(q.itemKey(tail), item)
	k.setInt(q.tailKey(), tail+1)
}

// headKey is the key of q's head item; ok is false on an empty queue.
func (k *Keeper) headKey(q fifo) (key string, ok bool) {
	head := k.getInt(q.headKey())
	if head >= k.getInt(q.tailKey()) {
		return "", false
	}
	return q.itemKey(head), true
}

// peek reads the head item into item; ok is false on an empty queue.
func (k *Keeper) peek(q fifo, item any) bool {
	key, ok := k.headKey(q)
	if ok {
		k.getJSON(key, item)
	}
	return ok
}

// pop removes the head item and returns its key.
func (k *Keeper) pop(q fifo) string {
	head := k.getInt(q.headKey())
	key := q.itemKey(head)
	k.del(key)
	k.setInt(q.headKey(), head+1)
	return key
}

func (k *Keeper) length(q fifo) int64 { return k.getInt(q.tailKey()) - k.getInt(q.headKey()) }

// Enqueue adds item at the tail of the run queue; it holds a reference on
// every kref it names until it is popped.
func (k *Keeper) Enqueue(item RunItem) {
	k.push(runQueue, item)
	k.holdItem(item)
}

// Peek returns the item at the head of the run queue.
// The loop peeks the head, then pops it: the item is decoded once.
func (k *Keeper) Peek() (RunItem, bool) {
	key, ok := k.headKey(runQueue)
	if !ok {
		return RunItem{}, false
	}
	raw, _ := k.get(key)
	return k.runItems.decode(key, raw), true
}

// clone copies item deeply: a caller may change what it was given.
func (item *RunItem) clone() RunItem {
	c := *item
	c.Methargs = cloneCapData(item.Methargs)
	return c
}

// Pop removes the head item and the references it held; callers Peek
// first.
func (k *Keeper) Pop() {
	if item, ok := k.Peek(); ok {
		k.releaseItem(item)
	}
	k.runItems.forget(k.pop(runQueue))
}

// QueueLength is the number of items in the run queue.
func (k *Keeper) QueueLength() int64 { return k.length(runQueue) }
