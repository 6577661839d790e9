package router

import (
	"context"
	"fmt"
)

// Revoke makes an object unreachable for good: every send to it, including
// those already queued, rejects with OBJECT_REVOKED.
func (r *Router) Revoke(ctx context.Context, kref string) error {
	return r.do(ctx, func() error {
		if err := r.checkObject(kref); err != nil {
			return err
		}
		if !r.k.IsRevoked(kref) {
			r.k.SetRevoked(kref)
			r.revokedNow = append(r.revokedNow, kref)
			r.obs.Revoked()
			r.log.Info("object revoked", "kref", kref)
		}
		return nil
	})
}

// Release drops every reference the host was handed to kref (by launches
// and by results) and returns how many there were. What nothing else
// refers to is then collected: its exporter gets dropExports and, once it
// retires it, the kernel forgets it.
func (r *Router) Release(ctx context.Context, kref string) (int64, error) {
	var n int64
	err := r.do(ctx, func() error {
		if err := r.checkKref(kref); err != nil {
			return err
		}
		for _, sc := range r.k.Subclusters() {
			if sc.RootKref == kref {
				return fmt.Errorf("%w: %s is the root object of subcluster %s, held as long as the subcluster lives (terminate the subcluster to release it)", ErrNotHeld, kref, sc.ID)
			}
		}
		if n = r.k.ReleaseHostRefs(kref); n == 0 {
			return fmt.Errorf("%w: the host holds no reference to %s", ErrNotHeld, kref)
		}
		r.log.Debug("host released its references", "kref", kref, "count", n)
		return nil
	})
	return n, err
}

func (r *Router) checkObject(kref string) error {
	return checkKref(kref, true, func() bool {
		_, ok := r.k.ObjectOwner(kref)
		return ok
	})
}

// Reset stops every vat and wipes all kernel state; registered services
// stay registered (under new krefs). For debugging.
func (r *Router) Reset(ctx context.Context) error {
	killed, err := r.doKilling(ctx, func() error {
		for vat := range r.workers {
			r.stopWorker(vat)
		}
		if err := r.sync(); err != nil {
			return err
		}
		if err := r.k.Wipe(r.ctx); err != nil {
			return err
		}
		r.wiped = true
		r.k.MarkRefsKept()
		r.viewChanged()
		r.closeChannels("")
		r.flushes = nil
		r.mu.Lock()
		clear(r.dormant) // their ids are given out again
		for kp, ch := range r.waiters {
			ch <- Settlement{Data: kernelError("", "the kernel was reset before this settled"), Rejected: true}
			delete(r.waiters, kp)
		}
		r.mu.Unlock()
		old := r.services
		r.services, r.serviceByKref = map[string]*service{}, map[string]*service{}
		for name, svc := range old {
			r.registerService(name, svc.handler, svc.systemOnly)
		}
		r.log.Info("kernel state reset")
		return nil
	})
	if err != nil {
		return err
	}
	return awaitExits(ctx, killed)
}
