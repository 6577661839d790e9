package router

import (
	"slices"

	"github.com/ocapgo/ocap/marshal"
)

// The kernel promise table. A promise is decided by one vat (or by the
// kernel, for results of host and service calls), watched by subscribers,
// and holds the messages sent to it while it is unresolved.

func (r *Router) newPromise(decider string) string { return r.k.NewPromise(decider) }

func (r *Router) promise(kp string) (*promiseRecord, bool) { return r.k.Promise(kp) }

func (r *Router) putPromise(kp string, p *promiseRecord) { r.k.SetPromise(kp, p) }

// subscribe asks for a notify to vat when kp settles (at once if it has).
func (r *Router) subscribe(vat, kp string) {
	p, ok := r.promise(kp)
	if !ok {
		return
	}
	// A forwarded promise keeps its own subscribers: it is notified under
	// its own kref, the one the vat knows, when the promise it follows settles.
	if p.Settled() {
		r.k.Enqueue(runItem{Type: "notify", Vat: vat, KP: kp})
		return
	}
	if !slices.Contains(p.Subscribers, vat) {
		p.Subscribers = append(p.Subscribers, vat)
		r.putPromise(kp, p)
	}
}

// follow walks a chain of forwarded promises to the one that decides.
func (r *Router) follow(kp string, p *promiseRecord) (string, *promiseRecord) {
	for p.State == forwarded {
		next, ok := r.promise(p.ForwardTo)
		if !ok {
			break
		}
		kp, p = p.ForwardTo, next
	}
	return kp, p
}

// drainQueue moves every message parked on kp back to the run queue, in the
// order they were sent, retargeted at kp (which now knows where they go).
func (r *Router) drainQueue(kp string, p *promiseRecord) {
	for _, item := range r.k.TakePromiseQueue(kp, p) {
		r.k.Enqueue(item)
	}
}

// resolve settles kp. Data that is exactly one promise forwards kp to that
// promise; a chain that loops back rejects every promise in the loop.
func (r *Router) resolve(kp string, isRejected bool, data marshal.CapData) {
	p, ok := r.promise(kp)
	if !ok || p.State != unresolved {
		return
	}
	if target, ok := singlePromise(data); ok && !isRejected {
		r.forward(kp, p, target)
		return
	}
	state := fulfilled
	if isRejected {
		state = rejected
	}
	p.State, p.Data, p.Decider = state, &data, ""
	subscribers, followers := p.Subscribers, p.Followers
	p.Subscribers, p.Followers = nil, nil
	r.drainQueue(kp, p)
	r.k.SettlePromise(kp, p)
	for _, vat := range subscribers {
		r.k.Enqueue(runItem{Type: "notify", Vat: vat, KP: kp})
	}
	r.answerHost(kp, p)
	for _, f := range followers {
		r.settleFollower(f, kp)
	}
}

// settleFollower resolves a promise that was forwarded to one that settled.
func (r *Router) settleFollower(kp, to string) {
	p, ok := r.promise(kp)
	target, ok2 := r.promise(to)
	if !ok || !ok2 {
		return
	}
	p.State, p.ForwardTo = unresolved, ""
	r.putPromise(kp, p)
	r.resolve(kp, target.State == rejected, *target.Data)
}

func (r *Router) forward(kp string, p *promiseRecord, target string) {
	tp, ok := r.promise(target)
	if !ok {
		r.resolve(kp, true, kernelError("", "promise %s was resolved to unknown promise %s", kp, target))
		return
	}
	// Walk the chain; finding kp on it means a cycle.
	cur, cp := target, tp
	for {
		if cur == kp {
			r.rejectCycle(kp, target)
			return
		}
		if cp.State != forwarded {
			break
		}
		next, ok := r.promise(cp.ForwardTo)
		if !ok {
			break
		}
		cur, cp = cp.ForwardTo, next
	}
	if cp.State != unresolved {
		r.resolve(kp, cp.State == rejected, *cp.Data)
		return
	}
	// kp follows cur: its queued messages and subscribers move there.
	for _, item := range r.k.TakePromiseQueue(kp, p) {
		r.k.QueueOnPromise(cur, cp, item)
	}
	cp.Followers = append(cp.Followers, kp)
	r.putPromise(cur, cp)
	p.State, p.ForwardTo, p.Decider = forwarded, cur, ""
	r.putPromise(kp, p)
}

func (r *Router) rejectCycle(kp, target string) {
	err := kernelError("", "promise %s was resolved to %s, which resolves back to it: a cycle of promises never settles", kp, target)
	r.resolve(kp, true, err)
	// Everything already forwarded along the loop follows kp and settles with it.
}

// singlePromise reports whether data is exactly one promise reference.
func singlePromise(data marshal.CapData) (string, bool) {
	if data.Body == `#"&0"` && len(data.Slots) == 1 {
		return data.Slots[0], true
	}
	return "", false
}

// singleObject reports whether data is exactly one object reference.
func singleObject(data marshal.CapData) (string, bool) {
	if len(data.Slots) != 1 || len(data.Body) < 4 || data.Body[:4] != `#"$0` {
		return "", false
	}
	if rest := data.Body[4:]; rest != `"` && rest[0] != '.' {
		return "", false
	}
	return data.Slots[0], true
}
