package router

// Outside-delivery work (timer and fetch callbacks) reaches the loop as
// crank requests. A vat has at most one flush pending, and the loop takes
// no more requests per turn than were waiting when the turn began, so a
// worker that floods requests gets one flush per turn like any other and
// cannot keep the loop from its run queue and host requests.

// takeWants moves the crank requests waiting now into the flush list.
func (r *Router) takeWants() {
	for range len(r.wants) {
		r.wantFlush(<-r.wants)
	}
}

// wantFlush queues a flush for vat unless one is already queued.
func (r *Router) wantFlush(vat string) {
	for _, v := range r.flushes {
		if v == vat {
			return
		}
	}
	r.flushes = append(r.flushes, vat)
}
