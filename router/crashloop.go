package router

import (
	"fmt"
	"time"
)

// A vat whose worker keeps dying between deliveries (a memory bomb armed by
// a timer at start, a crash in buildRootObject's follow-up work) would be
// restarted forever, each restart costing a process and a replay of its
// baggage. Restarts after the first back off, doubling from
// crashBackoffStart, and the MaxRestarts-th death within RestartWindow
// terminates the vat.

// Defaults of Config.MaxRestarts and Config.RestartWindow.
const (
	DefaultMaxRestarts   = 5
	DefaultRestartWindow = time.Minute
	crashBackoffStart    = 100 * time.Millisecond
)

// crashes are the recent deaths of each vat's workers (loop-owned).
type crashes map[string][]time.Time

// noteCrash records a death of vat's worker. It returns how long to wait
// before restarting it, or a reason to terminate it instead.
func (r *Router) noteCrash(vat string) (time.Duration, string) {
	if r.crashes == nil {
		r.crashes = crashes{}
	}
	now := time.Now()
	window, most := r.cfg.RestartWindow, r.cfg.MaxRestarts
	recent := r.crashes[vat][:0]
	for _, t := range r.crashes[vat] {
		if now.Sub(t) < window {
			recent = append(recent, t)
		}
	}
	recent = append(recent, now)
	r.crashes[vat] = recent
	if len(recent) >= most {
		delete(r.crashes, vat)
		return 0, fmt.Sprintf("its worker died %d times within %s (the restart limit)", len(recent), window)
	}
	if len(recent) == 1 {
		return 0, ""
	}
	return crashBackoffStart << (len(recent) - 2), ""
}

// restartLater restarts vat after delay, as a crank of its own, unless it
// got a worker or ended meanwhile.
func (r *Router) restartLater(vat string, delay time.Duration) {
	go func() {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.ctx.Done():
			return
		}
		_ = r.do(r.ctx, func() error {
			if _, running := r.workers[vat]; running {
				return nil
			}
			if _, ok := r.vat(vat); !ok {
				return nil
			}
			if err := r.restartVat(vat); err != nil {
				r.terminateVat(vat, fmt.Sprintf("its worker exited and it could not be restarted: %v", err))
			}
			return nil
		})
	}()
}
