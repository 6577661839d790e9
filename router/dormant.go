package router

import "fmt"

// Restore on demand (Config.RestoreOnDemand): a restored vat has no worker
// until its first delivery. A crank that needs the worker of a dormant vat
// fails with dormantError and is rolled back; the vat then starts, as a
// crank of its own, and the loop runs the rolled-back work again.

// dormantError: the crank needs the worker of a vat not started yet.
type dormantError struct{ vat string }

func (e *dormantError) Error() string {
	return fmt.Sprintf("vat %s is restored on demand and has not started yet", e.vat)
}

// restoreDormant restores vats without starting them: what a restart does
// to their tables happens now, their workers start at their first delivery.
func (r *Router) restoreDormant(recs []*vatRecord) {
	for _, rec := range recs {
		r.forgetIncarnation(rec.ID)
		r.setDormant(rec.ID, true)
	}
	r.restored = true
	r.log.Info("vats restored on demand: each starts at its first delivery", "vats", len(recs))
}

func (r *Router) setDormant(vat string, dormant bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if dormant {
		r.dormant[vat] = true
	} else {
		delete(r.dormant, vat)
	}
}

func (r *Router) isDormant(vat string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dormant[vat]
}

// wake starts a dormant vat as a crank of its own. A vat that cannot start
// is terminated, as Restore terminates one.
func (r *Router) wake(vat string) {
	err := r.crank(func() error { return r.startDormant(vat) })
	if err != nil && r.ctx.Err() == nil { // a kernel stopping ends no vat
		r.afterCrank(r.crank(func() error { r.endUnrestorable(vat, err); return nil }))
	}
}

// wakeForHost is wake inside a host request (itself a crank): it returns
// why the vat could not start, and the request, to commit the termination,
// does not fail.
func (r *Router) wakeForHost(vat string) (err error) {
	if err = r.startDormant(vat); err != nil && r.ctx.Err() == nil {
		r.endUnrestorable(vat, err)
	}
	return err
}

// startDormant starts vat's worker if the vat is still dormant.
func (r *Router) startDormant(vat string) error {
	rec, ok := r.vat(vat)
	if !ok || !r.isDormant(vat) {
		return nil
	}
	r.log.Info("starting a vat restored on demand", "vat", vat)
	return r.startVat(r.ctx, rec)
}

func (r *Router) endUnrestorable(vat string, err error) {
	r.log.Error("vat could not be restored; terminating it", "vat", vat, "error", err)
	r.terminateVat(vat, fmt.Sprintf("it could not be restored: %v", err))
}
