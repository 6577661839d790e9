package keeper

import "strconv"

// The run queue is durable: items rq.<n> for n in [rq.head, rq.tail).
// Pushing and popping touch a constant number of keys, so a long queue costs
// no more per item than a short one.

func queueItemKey(n int64) string { return "rq." + strconv.FormatInt(n, 10) }

// Enqueue adds item at the tail of the run queue.
func (k *Keeper) Enqueue(item RunItem) {
	tail := k.getInt("rq.tail")
	k.setJSON(queueItemKey(tail), item)
	k.setInt("rq.tail", tail+1)
}

// Peek returns the item at the head of the run queue.
func (k *Keeper) Peek() (RunItem, bool) {
	head := k.getInt("rq.head")
	if head >= k.getInt("rq.tail") {
		return RunItem{}, false
	}
	var item RunItem
	k.getJSON(queueItemKey(head), &item)
	return item, true
}

// Pop removes the head item; callers Peek first.
func (k *Keeper) Pop() {
	head := k.getInt("rq.head")
	k.del(queueItemKey(head))
	k.setInt("rq.head", head+1)
}

// QueueLength is the number of items in the run queue.
func (k *Keeper) QueueLength() int64 {
	return k.getInt("rq.tail") - k.getInt("rq.head")
}
