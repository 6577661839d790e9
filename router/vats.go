package router

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// startVat launches a worker for rec and runs buildRootObject in it. The
// vat's syscalls during start-up (baggage writes) belong to the caller's crank.
func (r *Router) startVat(ctx context.Context, rec *vatRecord) error {
	w, err := r.launchWorker(rec)
	if err != nil {
		return err
	}
	return r.startVatIn(ctx, rec, w)
}

func (r *Router) launchWorker(rec *vatRecord) (platform.Worker, error) {
	w, err := r.launcher.Launch(r.ctx, platform.WorkerSpec{VatID: rec.ID, VatName: rec.Name, SubclusterID: rec.Subcluster})
	if err != nil {
		return nil, fmt.Errorf("starting a worker for vat %s (%s): %w", rec.ID, rec.Name, err)
	}
	return w, nil
}

// startVatIn runs buildRootObject in a worker already launched for rec.
func (r *Router) startVatIn(ctx context.Context, rec *vatRecord, w platform.Worker) (err error) {
	defer func() {
		if err != nil {
			r.kill(w)
		}
	}()
	script, ok := r.k.Bundle(rec.Bundle)
	if !ok {
		return fmt.Errorf("vat %s (%s): its bundle %s is missing from the store", rec.ID, rec.Name, rec.Bundle)
	}
	// A small vatstore travels whole with StartVat; a big one in part,
	// and the worker reads the rest as it needs it.
	entries, partial := r.k.VatstoreEntries(rec.ID, "", "", vatstorePrefetch)
	store := make([]*workerpb.VatstoreEntry, len(entries))
	for i, e := range entries {
		store[i] = &workerpb.VatstoreEntry{Key: e.Key, Value: e.Value}
	}
	if partial {
		r.countVatstore(rec.ID, sizeUnknown) // counted at its first write
	} else {
		r.countVatstore(rec.ID, entriesBytes(store))
	}
	w.SetVatstoreReader(r.vatstoreReader(rec.ID))
	start := &workerpb.StartVat{
		VatId:                rec.ID,
		Name:                 rec.Name,
		Bundle:               script,
		BundleName:           rec.BundleName,
		Parameters:           &workerpb.CapData{Body: rec.Parameters.Body, Slots: rec.Parameters.Slots},
		Vatstore:             store,
		VatstorePartial:      partial,
		Globals:              rec.Globals,
		PlatformConfigJson:   string(rec.PlatformConfig),
		SubclusterId:         rec.Subcluster,
		DeliveryTimeLimitMs:  uint64((r.cfg.DeliveryTimeout + time.Millisecond - 1) / time.Millisecond),
		AllowedGlobals:       r.cfg.AllowedGlobals,
		AllowedGlobalsSet:    r.cfg.AllowedGlobals != nil,
		FetchAllowedHosts:    r.cfg.FetchAllowedHosts,
		FetchAllowedHostsSet: r.cfg.FetchAllowedHosts != nil,
		MemoryLimitBytes:     uint64(max(r.memoryLimit(rec), 0)),
	}
	r.obs.Delivery("startVat")
	res, err := r.deliverBounded(ctx, w, &workerpb.Delivery{Kind: &workerpb.Delivery_StartVat{StartVat: start}})
	r.raiseReadFault()
	if err != nil {
		return fmt.Errorf("vat %s (%s) did not start: %w", rec.ID, rec.Name, err)
	}
	if res.Error != "" {
		return fmt.Errorf("vat %s (%s) did not start: %s", rec.ID, rec.Name, res.Error)
	}
	if err := r.syscalls(rec.ID, res.Syscalls); err != nil {
		return fmt.Errorf("vat %s (%s) did not start: %w", rec.ID, rec.Name, err)
	}
	r.addWorker(rec.ID, rec.Subcluster, w)
	r.watch(rec.ID, w)
	return nil
}

func (r *Router) vat(id string) (*vatRecord, bool) { return r.k.Vat(id) }

// vatstorePrefetch is how many vatstore entries StartVat carries at most.
const vatstorePrefetch = 1000

// vatstoreReader answers vat's vatstore reads. It runs in the crank of
// the delivery during which the worker reads, on the loop's goroutine.
func (r *Router) vatstoreReader(vat string) platform.VatstoreReader {
	return func(req *workerpb.VatstoreRead) (res *workerpb.VatstoreReadResult) {
		defer func() {
			// A failing store fails the read, and the crank once the
			// delivery is over (raiseReadFault): the worker is not left
			// waiting.
			if p := recover(); p != nil {
				r.readFault = p
				res = &workerpb.VatstoreReadResult{Error: fmt.Sprintf("reading the vatstore of %s: %v", vat, p)}
			}
		}()
		res = &workerpb.VatstoreReadResult{Values: make([]*workerpb.VatstoreValue, len(req.GetKeys()))}
		for i, key := range req.GetKeys() {
			v, ok := r.k.VatstoreGet(vat, key)
			res.Values[i] = &workerpb.VatstoreValue{Value: v, Found: ok}
		}
		if limit := req.GetScanLimit(); limit > 0 {
			entries, more := r.k.VatstoreEntries(vat, req.GetScanPrefix(), req.GetScanAfter(), int(min(limit, maxScanLimit)))
			res.More = more
			for _, e := range entries {
				res.Entries = append(res.Entries, &workerpb.VatstoreEntry{Key: e.Key, Value: e.Value})
			}
		}
		return res
	}
}

// raiseReadFault panics, in the crank, with the store failure a vatstore
// read met during the delivery that just ended, if any.
func (r *Router) raiseReadFault() {
	if p := r.readFault; p != nil {
		r.readFault = nil
		panic(p)
	}
}

// maxScanLimit bounds one vatstore scan: a vat asking for more gets them in
// several reads.
const maxScanLimit = 10000

// restartVat gives a vat a fresh worker that rebuilds itself from its
// baggage. Its root and durable objects (o+d...) keep their krefs. What
// only lived in the old worker's memory is gone: its non-durable exports
// (sends to them fail), the promises it was deciding (rejected) and the
// promises it had imported (forgotten).
func (r *Router) restartVat(id string) error { return r.restartVatIn(id, nil) }

// restartVatIn is restartVat in a worker already launched for it (nil:
// launch one).
func (r *Router) restartVatIn(id string, fresh platform.Worker) error {
	rec, ok := r.vat(id)
	if !ok {
		if fresh != nil {
			r.kill(fresh)
		}
		return fmt.Errorf("%w %s", ErrUnknownVat, id)
	}
	r.stopWorker(id)
	r.forgetIncarnation(id)
	if fresh == nil {
		return r.startVat(r.ctx, rec)
	}
	return r.startVatIn(r.ctx, rec, fresh)
}

// forgetIncarnation is what a restart does to a vat's tables: its
// non-durable exports are gone and the promises it was deciding reject.
func (r *Router) forgetIncarnation(id string) {
	for _, e := range r.k.CList(id) {
		vref, kref := e.Vref, e.Kref
		kind, mine, ok := parseVref(vref)
		if !ok {
			continue
		}
		switch {
		case kind == 'o' && mine && vref != "o+0" && !isDurableVref(vref):
			r.k.SetObjectGone(kref, fmt.Sprintf("[KERNEL:%s] object %s no longer exists: vat %s restarted and the object was not durable", CodeObjectDeleted, kref, id))
			r.k.CListDrop(id, vref, kref)
		case kind == 'p':
			if p, ok := r.promise(kref); ok && p.State == unresolved && p.Decider == id {
				r.resolve(kref, true, kernelError("", "vat %s restarted before it settled %s", id, kref))
			}
			r.k.CListDrop(id, vref, kref)
		}
	}
}

// terminateVat kills a vat for good: its worker dies, its exports answer
// VAT_TERMINATED, the promises it decided are rejected, its tables go.
func (r *Router) terminateVat(id, reason string) {
	r.stopWorker(id)
	r.setDormant(id, false)
	rec, ok := r.vat(id)
	if !ok {
		return
	}
	r.log.Info("vat terminated", "vat", id, "reason", reason)
	delete(r.sinceReap, id)
	why := fmt.Sprintf("[KERNEL:%s] vat %s was terminated: %s", CodeVatTerminated, id, reason)
	if sc, ok := r.k.Subcluster(rec.Subcluster); ok && sc.State == launching {
		r.launchEnds[id] = why // its launch says why (the root may be gone by then)
	}
	for _, e := range r.k.CList(id) {
		kind, mine, ok := parseVref(e.Vref)
		if !ok {
			continue
		}
		switch {
		case kind == 'o' && mine:
			r.k.SetObjectGone(e.Kref, why)
		case kind == 'p':
			if p, ok := r.promise(e.Kref); ok && p.State == unresolved && p.Decider == id {
				r.resolve(e.Kref, true, kernelError(CodeVatTerminated, "vat %s was terminated: %s", id, reason))
			}
		}
	}
	r.k.DeleteVat(id)
	r.budget.forget(id)
	r.viewChanged()
	r.dropFromSubcluster(rec.Subcluster, id, reason)
}

// dropFromSubcluster takes a terminated vat out of its subcluster's list,
// so that a restart does not look for it; a subcluster left without vats
// goes too.
func (r *Router) dropFromSubcluster(scID, vat, reason string) {
	sc, ok := r.k.Subcluster(scID)
	if !ok {
		return
	}
	i := slices.Index(sc.Vats, vat)
	if i < 0 {
		return
	}
	sc.Vats = slices.Delete(sc.Vats, i, i+1)
	if i < len(sc.VatNames) {
		sc.VatNames = slices.Delete(sc.VatNames, i, i+1)
	}
	if len(sc.Vats) == 0 {
		r.log.Info("subcluster ended: its last vat was terminated", "subcluster", scID)
		r.deleteSubcluster(sc, fmt.Sprintf("ended when its last vat was terminated (%s)", reason))
		return
	}
	r.k.SetSubcluster(sc)
}

// PingVat asks a vat's worker for a pong. It goes straight to the worker,
// not through the crank loop, and waits at most one delivery time limit
// (plus a grace) for its turn and its answer: a vat that does not answer by
// then has its worker killed, and is restarted like any vat whose worker
// died.
func (r *Router) PingVat(ctx context.Context, id string) (string, error) {
	if r.isDormant(id) {
		var failed error
		if err := r.do(ctx, func() error { failed = r.wakeForHost(id); return nil }); err != nil {
			return "", fmt.Errorf("pinging vat %s: %w", id, err)
		}
		if failed != nil {
			return "", fmt.Errorf("pinging vat %s: %w", id, failed)
		}
	}
	r.mu.Lock()
	h, ok := r.handles[id]
	r.mu.Unlock()
	if !ok {
		return "", fmt.Errorf("%w %q", ErrUnknownVat, id)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.DeliveryTimeout+max(5*time.Second, r.cfg.DeliveryTimeout/10))
	defer cancel()
	res, err := h.worker.Deliver(ctx, &workerpb.Delivery{Kind: &workerpb.Delivery_Ping{Ping: &workerpb.Empty{}}})
	if err != nil {
		return "", fmt.Errorf("pinging vat %s: %w", id, err)
	}
	if res.Error != "" {
		return "", fmt.Errorf("pinging vat %s: %s", id, res.Error)
	}
	return res.Pong, nil
}

// addWorker and dropWorker keep the worker table and the handles in step.
func (r *Router) addWorker(vat, subcluster string, w platform.Worker) {
	r.workers[vat] = w
	r.mu.Lock()
	r.handles[vat] = vatHandle{worker: w, pid: w.PID(), subcluster: subcluster}
	delete(r.dormant, vat)
	r.mu.Unlock()
}

func (r *Router) dropWorker(vat string) {
	delete(r.workers, vat)
	r.mu.Lock()
	delete(r.handles, vat)
	r.mu.Unlock()
}

// stopWorker kills vat's worker, if it has one, and forgets it.
func (r *Router) stopWorker(vat string) {
	if w, ok := r.workers[vat]; ok {
		r.kill(w)
		r.dropWorker(vat)
	}
}

// kill kills a worker off the loop: a worker may take a moment to exit,
// and terminating a large subcluster must not hold every other vat up. A
// host request run by doKilling learns which workers it killed.
func (r *Router) kill(w platform.Worker) {
	if r.killed != nil {
		*r.killed = append(*r.killed, w)
	}
	r.killing.Add(1)
	go func() {
		defer r.killing.Done()
		_ = w.Kill()
	}()
}

// VatsBySubcluster counts live vats per subcluster without waiting for the
// crank in progress.
func (r *Router) VatsBySubcluster() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for _, h := range r.handles {
		out[h.subcluster]++
	}
	return out
}

// WorkerPIDs lists the process id of every live worker by vat id. It does
// not wait for the crank in progress.
func (r *Router) WorkerPIDs() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.handles))
	for vat, h := range r.handles {
		out[vat] = h.pid
	}
	return out
}

// RestartVat gives a vat a fresh worker rebuilt from its baggage, as after a
// kernel restart: its non-durable exports are gone and the promises it was
// deciding are rejected.
func (r *Router) RestartVat(ctx context.Context, id string) error {
	return r.do(ctx, func() error {
		if _, ok := r.vat(id); !ok {
			return fmt.Errorf("%w %q", ErrUnknownVat, id)
		}
		return r.restartVat(id)
	})
}

// UpgradeVat gives vat id new code (script, whose sha256 is hash) and
// restarts it over the same vatstore: its baggage and durable objects stay,
// and the new buildRootObject takes them over. If the new code does not
// start, the vat starts again on its old code and the error says why.
func (r *Router) UpgradeVat(ctx context.Context, id, script, hash, bundleName string) error {
	return r.do(ctx, func() error {
		rec, ok := r.vat(id)
		if !ok {
			return fmt.Errorf("%w %q", ErrUnknownVat, id)
		}
		old := *rec
		r.k.SetBundle(hash, script)
		rec.Bundle, rec.BundleName = hash, bundleName
		r.k.SetVat(rec)
		err := r.restartVat(id)
		if err == nil {
			r.k.ReleaseBundle(old.Bundle)
			r.log.Info("vat upgraded", "vat", id, "bundle", hash)
			return nil
		}
		r.k.SetVat(&old)
		r.k.ReleaseBundle(hash)
		if rerr := r.restartVat(id); rerr != nil {
			return fmt.Errorf("upgrading vat %s: the new code did not start: %v; nor did the old code again: %w", id, err, rerr)
		}
		return fmt.Errorf("upgrading vat %s: the new code did not start, so the vat runs its old code again: %w", id, err)
	})
}

// TerminateVat ends one vat of a subcluster for good, as terminateVat
// does for a vat that broke a rule: its worker dies, its exports answer
// VAT_TERMINATED, the other vats of its subcluster carry on, and a
// subcluster left without vats ends. It returns once the worker exited.
func (r *Router) TerminateVat(ctx context.Context, id string) error {
	killed, err := r.doKilling(ctx, func() error {
		if _, ok := r.vat(id); !ok {
			return fmt.Errorf("%w %q", ErrUnknownVat, id)
		}
		r.terminateVat(id, "terminateVat was called")
		return nil
	})
	if err != nil {
		return err
	}
	return awaitExits(ctx, killed)
}
