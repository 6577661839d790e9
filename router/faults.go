package router

import (
	"errors"
	"fmt"

	"github.com/ocapgo/ocap/platform"
)

// What the kernel does when a vat's crank fails because of the vat: its
// worker died (restart and retry, once per piece of work), it ran past the
// delivery time limit, or it broke the protocol (terminate it).

// deaths is how often a vat's worker died while handling one piece of work.
type deaths struct {
	work  string
	count int
}

// workName names a run-queue item for counting deaths: the same item
// retried has the same name.
func workName(item runItem) string {
	return item.Type + "|" + item.Target + "|" + item.Result + "|" + item.Vat + "|" + item.KP
}

// afterCrank handles a crank that failed because of its vat: a worker that
// died is restarted (the delivery is retried), twice in a row terminates the
// vat; a vat that broke the protocol is terminated.
func (r *Router) afterCrank(err error) {
	if err == nil {
		return
	}
	if r.ctx.Err() != nil {
		// Stopping: the crank was rolled back and the workers are going
		// away; the next kernel redelivers. Nothing is restarted or
		// terminated on the way out.
		r.log.Debug("crank abandoned while stopping", "error", err)
		return
	}
	var died *workerDiedError
	var fault *vatFaultError
	var late *timeLimitError
	var dormant *dormantError
	switch {
	case errors.As(err, &dormant):
		// The crank was rolled back; the loop runs it again once the vat
		// is up.
		r.wake(dormant.vat)
	case errors.As(err, &late):
		delete(r.failures, late.vat)
		r.log.Error("vat ran past the delivery time limit; terminating it", "vat", late.vat, "reason", late.reason)
		r.afterCrank(r.crank(func() error { r.terminateVat(late.vat, late.reason); return nil }))
	case errors.As(err, &died):
		if r.endIfOutOfMemory(died.vat, died.err) {
			return
		}
		d := r.failures[died.vat]
		if work := workName(r.current); d.work != work {
			d = deaths{work: work}
		}
		d.count++
		r.failures[died.vat] = d
		if d.count >= 2 {
			delete(r.failures, died.vat)
			reason := fmt.Sprintf("its worker died twice while handling one delivery: %v", died.err)
			r.afterCrank(r.crank(func() error { r.terminateVat(died.vat, reason); return nil }))
			return
		}
		r.log.Warn("vat worker died during a delivery; restarting the vat and retrying", "vat", died.vat, "error", died.err)
		r.obs.WorkerRestarted("died-in-delivery")
		if err := r.crank(func() error { return r.restartVat(died.vat) }); err != nil {
			reason := fmt.Sprintf("it could not be restarted after its worker died: %v", err)
			r.afterCrank(r.crank(func() error { r.terminateVat(died.vat, reason); return nil }))
		}
	case errors.As(err, &fault):
		r.log.Error("vat broke the kernel protocol; terminating it", "vat", fault.vat, "error", fault.err)
		r.afterCrank(r.crank(func() error { r.terminateVat(fault.vat, fault.err.Error()); return nil }))
	default:
		r.log.Error("crank failed", "error", err)
	}
}

// workerDied handles a worker that exited between deliveries.
func (r *Router) workerDied(d death) {
	if r.workers[d.vat] != d.w || r.ctx.Err() != nil {
		return // already replaced or terminated, or the kernel is stopping
	}
	r.dropWorker(d.vat)
	if r.endIfOutOfMemory(d.vat, d.w.Err()) {
		return
	}
	delay, reason := r.noteCrash(d.vat)
	if reason != "" {
		r.log.Error("vat worker keeps dying; terminating the vat", "vat", d.vat, "error", d.w.Err())
		r.afterCrank(r.crank(func() error { r.terminateVat(d.vat, reason); return nil }))
		return
	}
	r.log.Warn("vat worker exited; restarting the vat", "vat", d.vat, "error", d.w.Err(), "after", delay)
	r.obs.WorkerRestarted("exited-idle")
	if delay > 0 {
		r.restartLater(d.vat, delay)
		return
	}
	if err := r.crank(func() error { return r.restartVat(d.vat) }); err != nil {
		reason := fmt.Sprintf("its worker exited and it could not be restarted: %v", err)
		r.afterCrank(r.crank(func() error { r.terminateVat(d.vat, reason); return nil }))
	}
}

// endIfOutOfMemory terminates a vat whose worker died of its memory cap:
// restarted, it would grow again. It reports whether it did.
func (r *Router) endIfOutOfMemory(vat string, err error) bool {
	var mem *platform.MemoryLimitError
	if !errors.As(err, &mem) {
		return false
	}
	delete(r.failures, vat)
	r.log.Error("vat exceeded its memory limit; terminating it", "vat", vat, "error", err)
	r.afterCrank(r.crank(func() error { r.terminateVat(vat, mem.Error()); return nil }))
	return true
}

// watch forwards a worker's signals to the loop.
func (r *Router) watch(vat string, w platform.Worker) {
	go func() {
		for {
			select {
			case <-w.WantCrank():
				select {
				case r.wants <- vat:
				case <-r.ctx.Done():
					return
				}
			case <-w.Done():
				select {
				case r.deaths <- death{vat, w}:
				case <-r.ctx.Done():
				}
				return
			case <-r.ctx.Done():
				return
			}
		}
	}()
}
