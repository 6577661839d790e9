package keeper

import (
	"encoding/json"
	"fmt"
	"strconv"
)

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

// peek reads the head item into item; ok is false on an empty queue.
func (k *Keeper) peek(q fifo, item any) bool {
	head := k.getInt(q.headKey())
	if head >= k.getInt(q.tailKey()) {
		return false
	}
	k.getJSON(q.itemKey(head), item)
	return true
}

func (k *Keeper) pop(q fifo) {
	head := k.getInt(q.headKey())
	k.del(q.itemKey(head))
	k.setInt(q.headKey(), head+1)
}

func (k *Keeper) length(q fifo) int64 { return k.getInt(q.tailKey()) - k.getInt(q.headKey()) }

// Enqueue adds item at the tail of the run queue; it holds a reference on
// every kref it names until it is popped.
func (k *Keeper) Enqueue(item RunItem) {
	k.push(runQueue, item)
	k.holdItem(item)
}

// Peek returns the item at the head of the run queue.
func (k *Keeper) Peek() (RunItem, bool) {
	head := k.getInt(runQueue.headKey())
	if head >= k.getInt(runQueue.tailKey()) {
		return RunItem{}, false
	}
	key := runQueue.itemKey(head)
	raw, _ := k.get(key)
	// The loop peeks the head, then pops it: decode it once.
	if m := &k.runHead; m.key != key || m.raw != raw {
		var item RunItem
		if err := json.Unmarshal([]byte(raw), &item); err != nil {
			panic(StoreError{fmt.Errorf("key %s holds malformed JSON: %w", key, err)})
		}
		*m = runHeadMemo{key, raw, item}
	}
	return k.runHead.item.clone(), true
}

// runHeadMemo is the run queue's head item as last decoded, by key and text.
type runHeadMemo struct {
	key, raw string
	item     RunItem
}

// clone copies item deeply: a caller may change what it was given.
func (item RunItem) clone() RunItem {
	item.Methargs = cloneCapData(item.Methargs)
	return item
}

// Pop removes the head item and the references it held; callers Peek
// first.
func (k *Keeper) Pop() {
	if item, ok := k.Peek(); ok {
		k.releaseItem(item)
	}
	k.pop(runQueue)
}

// QueueLength is the number of items in the run queue.
func (k *Keeper) QueueLength() int64 { return k.length(runQueue) }
