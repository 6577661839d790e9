package router

import "strconv"

// The run queue is durable: items rq.<n> for n in [rq.head, rq.tail).
// Pushing and popping touch a constant number of keys, so a long queue costs
// no more per item than a short one.

func (r *Router) enqueue(item runItem) {
	tail := r.k.getInt("rq.tail")
	r.k.setJSON("rq."+strconv.FormatInt(tail, 10), item)
	r.k.setInt("rq.tail", tail+1)
}

// peek returns the item at the head of the run queue.
func (r *Router) peek() (runItem, bool) {
	head := r.k.getInt("rq.head")
	if head >= r.k.getInt("rq.tail") {
		return runItem{}, false
	}
	var item runItem
	r.k.getJSON("rq."+strconv.FormatInt(head, 10), &item)
	return item, true
}

// pop removes the head item; callers peek first.
func (r *Router) pop() {
	head := r.k.getInt("rq.head")
	r.k.del("rq." + strconv.FormatInt(head, 10))
	r.k.setInt("rq.head", head+1)
}

func (r *Router) queueLength() int64 {
	return r.k.getInt("rq.tail") - r.k.getInt("rq.head")
}
