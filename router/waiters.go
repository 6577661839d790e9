package router

import (
	"context"
	"fmt"
	"regexp"

	"github.com/ocapgo/ocap/marshal"
)

var krefPattern = regexp.MustCompile(`^k[op][1-9][0-9]*$`)

// CheckKref reports whether kref is well formed and known to the kernel.
func (r *Router) checkKref(kref string) error {
	return checkKref(kref, false, func() bool {
		if kref[1] == 'p' {
			_, ok := r.k.Promise(kref)
			return ok
		}
		_, ok := r.k.ObjectOwner(kref)
		return ok
	})
}

// checkKref says what is wrong with kref: not shaped like one, a promise
// where only objects will do, or unknown (known is asked once the shape
// is right).
func checkKref(kref string, objectsOnly bool, known func() bool) error {
	switch {
	case !krefPattern.MatchString(kref):
		return fmt.Errorf("%w %q: a kref looks like ko12 or kp7", ErrUnknownKref, kref)
	case objectsOnly && kref[1] != 'o':
		return fmt.Errorf("%w %q: only objects can be revoked, not promises", ErrUnknownKref, kref)
	case !known():
		return fmt.Errorf("%w %q: no such object or promise", ErrUnknownKref, kref)
	}
	return nil
}

// QueueMessage sends methargs to target on behalf of the host and waits until
// the result settles (its crank committed).
func (r *Router) QueueMessage(ctx context.Context, target string, methargs marshal.CapData) (Settlement, error) {
	var ch chan Settlement
	var kp string
	err := r.do(ctx, func() error {
		if err := r.checkKref(target); err != nil {
			return err
		}
		for _, s := range methargs.Slots {
			if err := r.checkKref(s); err != nil {
				return fmt.Errorf("argument: %w", err)
			}
		}
		kp = r.newPromise("")
		r.k.Enqueue(runItem{Type: "send", Target: target, Methargs: &methargs, Result: kp})
		ch = r.waitFor(kp)
		return nil
	})
	if err != nil {
		return Settlement{}, err
	}
	return r.await(ctx, kp, ch)
}

// waitFor registers a host waiter for kp (on the loop goroutine).
func (r *Router) waitFor(kp string) chan Settlement {
	ch := make(chan Settlement, 1)
	r.mu.Lock()
	r.waiters[kp] = ch
	r.mu.Unlock()
	return ch
}

// await waits for a settlement; a caller that gives up stops waiting (the
// message itself still runs).
func (r *Router) await(ctx context.Context, kp string, ch chan Settlement) (Settlement, error) {
	select {
	case s, ok := <-ch:
		if !ok {
			return Settlement{}, ErrStopped
		}
		return s, nil
	case <-r.failed:
		return Settlement{}, stopped(r.Err())
	case <-ctx.Done():
		r.mu.Lock()
		if r.waiters[kp] == ch {
			delete(r.waiters, kp)
		}
		r.mu.Unlock()
		return Settlement{}, ctx.Err()
	}
}

// wakeWaiters hands committed settlements to the hosts waiting for them.
func (r *Router) wakeWaiters(settled []answer) {
	if len(settled) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range settled {
		if ch, ok := r.waiters[a.kp]; ok {
			delete(r.waiters, a.kp)
			ch <- a.s
		}
	}
}

// answerHost keeps a just-settled promise's outcome for the host waiting
// on it, if one is. What the answer names, the host now holds: those
// references are counted, so they outlive the promise.
func (r *Router) answerHost(kp string, p *promiseRecord) {
	r.mu.Lock()
	_, waiting := r.waiters[kp]
	r.mu.Unlock()
	if !waiting {
		return
	}
	for _, kref := range p.Data.Slots {
		r.k.AddHostRef(kref)
	}
	r.cur.settled = append(r.cur.settled, answer{kp, Settlement{Data: *p.Data, Rejected: p.State == rejected}})
}
