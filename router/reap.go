package router

import (
	"context"
	"slices"
	"time"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// Reaping: a vat learns which of its presences and exports nothing refers
// to any more only when it looks (liveslots' bringOutYourDead), so the
// kernel asks every ReapInterval deliveries to the vat, as SwingSet's reap
// interval does, and CollectGarbage asks every vat at once. Each reap is
// a crank of its own, run before the run queue moves on; the drops it
// reports reach exporters through the GC queue.

// DefaultReapInterval is how many deliveries a vat gets between two
// bringOutYourDead when Config.ReapInterval is zero.
const DefaultReapInterval = 100

// countDelivery counts a message or notify to vat and schedules a reap
// once it has had ReapInterval of them.
func (r *Router) countDelivery(vat string, d *workerpb.Delivery) {
	if r.cfg.ReapInterval < 0 {
		return
	}
	switch d.Kind.(type) {
	case *workerpb.Delivery_Message, *workerpb.Delivery_Notify:
	default:
		return
	}
	r.sinceReap[vat]++
	if r.sinceReap[vat] >= r.cfg.ReapInterval {
		r.scheduleReap(vat)
	}
}

func (r *Router) scheduleReap(vat string) {
	delete(r.sinceReap, vat)
	if !slices.Contains(r.reapQueue, vat) {
		r.reapQueue = append(r.reapQueue, vat)
	}
}

// stepReap delivers bringOutYourDead to the first vat due, as one crank.
func (r *Router) stepReap() bool {
	vat := r.reapQueue[0]
	r.reapQueue = r.reapQueue[1:]
	if _, ok := r.workers[vat]; !ok {
		return true // terminated since
	}
	r.current = runItem{Type: "bringOutYourDead", Vat: vat}
	defer func() { r.current = runItem{} }()
	start := time.Now()
	err := r.crank(func() error {
		return r.deliver(vat, &workerpb.Delivery{Kind: &workerpb.Delivery_BringOutYourDead{BringOutYourDead: &workerpb.Empty{}}})
	})
	r.obs.Crank(time.Since(start), err == nil)
	r.afterCrank(err)
	return true
}

// swept tells CollectGarbage callers that their sweep is done: no reap is
// due and the GC queue is empty.
func (r *Router) swept() {
	if len(r.sweeps) == 0 || len(r.reapQueue) > 0 || r.gcQueued() {
		return
	}
	for _, ch := range r.sweeps {
		close(ch)
	}
	r.sweeps = r.sweeps[:0]
}

// maxSweepRounds bounds CollectGarbage: each round can free what the last
// one let go (an importer's drop lets the exporter collect the object).
const maxSweepRounds = 4

// CollectGarbage asks every vat to bring out its dead and waits until what
// they reported was delivered, round after round while a round still
// frees something.
func (r *Router) CollectGarbage(ctx context.Context) error {
	for range maxSweepRounds {
		var done chan struct{}
		var before int64
		err := r.do(ctx, func() error {
			before = r.gcQueuedTotal
			for vat := range r.workers {
				r.scheduleReap(vat)
			}
			slices.SortFunc(r.reapQueue, compareIDs)
			done = make(chan struct{})
			r.sweeps = append(r.sweeps, done)
			return nil
		})
		if err != nil {
			return err
		}
		select {
		case <-done:
		case <-r.done:
			return ErrStopped
		case <-ctx.Done():
			return ctx.Err()
		}
		var after int64
		if err := r.do(ctx, func() error { after = r.gcQueuedTotal; return nil }); err != nil {
			return err
		}
		if after == before {
			return nil
		}
	}
	return nil
}
