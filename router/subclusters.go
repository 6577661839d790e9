package router

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/platform"
)

// VatSpec is one vat of a subcluster, its bundle already built.
type VatSpec struct {
	Name           string
	Script         string
	BundleHash     string
	BundleName     string
	Parameters     marshal.CapData
	Globals        []string
	PlatformConfig json.RawMessage
	Config         json.RawMessage
}

// SubclusterSpec is a subcluster ready to launch.
type SubclusterSpec struct {
	Name      string // system subcluster name; "" for a regular one
	System    bool
	Bootstrap string    // name of the bootstrap vat
	Vats      []VatSpec // in launch order
	Services  []string
	Config    json.RawMessage
	// IO is the config's io entries, opened as channel services through
	// Config.OpenIO; Dir resolves their relative paths.
	IO  map[string]json.RawMessage
	Dir string
}

// LaunchResult is what LaunchSubcluster returns.
type LaunchResult struct {
	SubclusterID    string
	RootKref        string
	BootstrapResult marshal.CapData
}

// BootstrapError is a bootstrap() that threw or rejected.
type BootstrapError struct {
	Data marshal.CapData
}

func (e *BootstrapError) Error() string {
	v, err := marshal.Unmarshal(e.Data)
	if err == nil {
		if me, ok := v.(*marshal.Error); ok {
			return fmt.Sprintf("bootstrap failed: %s: %s", me.Name, me.Message)
		}
	}
	return "bootstrap failed: rejected with " + describe(e.Data)
}

// Launch starts every vat of spec in order, then sends bootstrap(vats,
// services) to the bootstrap vat's root and waits for it. A launch that
// fails anywhere leaves nothing behind: workers are killed and every record
// of the subcluster deleted.
func (r *Router) Launch(ctx context.Context, spec SubclusterSpec) (*LaunchResult, error) {
	// killed gathers the workers the launch's steps kill, so that a failed
	// launch returns once they have all exited.
	var killed []platform.Worker
	do := func(ctx context.Context, fn func() error) error {
		ks, err := r.doKilling(ctx, fn)
		killed = append(killed, ks...)
		return err
	}
	var sc subclusterRecord
	err := do(ctx, func() error { return r.createSubcluster(spec, &sc) })
	if err != nil {
		return nil, err
	}
	// ended says why vat i is gone, if it ended while the subcluster
	// launched (it exited, or broke the protocol).
	ended := func(i int) error {
		if _, ok := r.vat(sc.Vats[i]); ok {
			return nil
		}
		why := r.launchEnds[sc.Vats[i]]
		return fmt.Errorf("vat %s (%s) ended while its subcluster launched: %s", sc.Vats[i], sc.VatNames[i], why)
	}
	fail := func(err error) (*LaunchResult, error) {
		// The launch's own context may be what ran out: clean up regardless.
		cleanup := func() error {
			r.removeSubcluster(sc.ID, "its launch failed")
			r.forgetLaunchEnds(sc.Vats)
			return nil
		}
		if cerr := do(context.Background(), cleanup); cerr != nil {
			// A stopping kernel kills its workers itself.
			r.log.Error("cleaning up a failed launch", "subcluster", sc.ID, "error", cerr)
			return nil, err
		}
		_ = awaitExits(context.Background(), killed)
		return nil, err
	}
	// Worker processes start all at once (most of a launch is process
	// start-up); the vats then start in them one by one, in config order.
	workers, err := r.launchWorkers(ctx, sc.Vats)
	if err != nil {
		return fail(err)
	}
	for i := range sc.Vats {
		err := do(ctx, func() error {
			w := workers[i]
			workers[i] = nil
			if err := ended(i); err != nil {
				r.kill(w)
				return err
			}
			rec, _ := r.vat(sc.Vats[i])
			return r.startVatIn(ctx, rec, w)
		})
		if err != nil {
			r.killAll(workers)
			return fail(err)
		}
	}
	var ch chan Settlement
	var kp string
	err = do(ctx, func() error {
		for i := range sc.Vats {
			if err := ended(i); err != nil {
				return err
			}
		}
		methargs, err := r.bootstrapMessage(&sc)
		if err != nil {
			return err
		}
		kp = r.newPromise("")
		r.k.Enqueue(runItem{Type: "send", Target: sc.RootKref, Methargs: &methargs, Result: kp})
		ch = r.waitFor(kp)
		return nil
	})
	if err != nil {
		return fail(err)
	}
	s, err := r.await(ctx, kp, ch)
	if err != nil {
		return fail(fmt.Errorf("waiting for bootstrap of subcluster %s: %w", sc.ID, err))
	}
	if s.Rejected {
		return fail(&BootstrapError{Data: s.Data})
	}
	err = do(ctx, func() error {
		// Re-read: a vat terminated during bootstrap has left the list.
		cur, ok := r.k.Subcluster(sc.ID)
		if !ok {
			return fmt.Errorf("subcluster %s ended during its launch: all its vats were terminated", sc.ID)
		}
		r.forgetLaunchEnds(sc.Vats)
		cur.State = running
		r.k.SetSubcluster(cur)
		r.k.AddHostRef(cur.RootKref) // handed to the host below
		r.viewChanged()
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return &LaunchResult{SubclusterID: sc.ID, RootKref: sc.RootKref, BootstrapResult: s.Data}, nil
}

// forgetLaunchEnds forgets why vats of a launch that is over ended.
func (r *Router) forgetLaunchEnds(vats []string) {
	for _, id := range vats {
		delete(r.launchEnds, id)
	}
}

// launchWorkers starts one worker per vat, concurrently.
func (r *Router) launchWorkers(ctx context.Context, vats []string) ([]platform.Worker, error) {
	recs := make([]*vatRecord, len(vats))
	err := r.do(ctx, func() error {
		for i, id := range vats {
			rec, ok := r.vat(id)
			if !ok {
				return fmt.Errorf("%w %s: it has no record in the store", ErrUnknownVat, id)
			}
			recs[i] = rec
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	workers := make([]platform.Worker, len(vats))
	errs := make([]error, len(vats))
	var wg sync.WaitGroup
	for i, rec := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("starting a worker for vat %s: the platform panicked: %v", rec.ID, p)
				}
			}()
			workers[i], errs[i] = r.launchWorker(rec)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		r.killAll(workers)
		return nil, err
	}
	return workers, nil
}

// killAll kills workers not handed to any vat yet, in parallel, and waits
// for them (callers are off the loop).
func (r *Router) killAll(workers []platform.Worker) {
	var wg sync.WaitGroup
	for _, w := range workers {
		if w != nil {
			wg.Go(func() { _ = w.Kill() })
		}
	}
	wg.Wait()
}

// createSubcluster writes the records of a launching subcluster: its vats,
// their bundles and their root objects.
func (r *Router) createSubcluster(spec SubclusterSpec, sc *subclusterRecord) error {
	if _, exists := r.k.SystemSubcluster(spec.Name); spec.Name != "" && exists {
		return fmt.Errorf("system subcluster %q already exists", spec.Name)
	}
	if err := r.checkServices(spec); err != nil {
		return err
	}
	*sc = subclusterRecord{
		ID:       r.k.NewSubclusterID(),
		Name:     spec.Name,
		System:   spec.System,
		State:    launching,
		Services: spec.Services,
		Config:   spec.Config,
		IO:       spec.IO,
		Dir:      spec.Dir,
	}
	for _, v := range spec.Vats {
		id := r.k.NewVatID()
		r.k.SetBundle(v.BundleHash, v.Script)
		r.k.SetVat(&vatRecord{
			ID: id, Name: v.Name, Subcluster: sc.ID, Bundle: v.BundleHash, BundleName: v.BundleName,
			Parameters: v.Parameters, Globals: v.Globals, PlatformConfig: v.PlatformConfig, Config: v.Config,
		})
		root := r.k.NewObject(id)
		r.k.CListAdd(id, "o+0", root)
		sc.Vats = append(sc.Vats, id)
		sc.VatNames = append(sc.VatNames, v.Name)
		if v.Name == spec.Bootstrap {
			sc.Bootstrap, sc.RootKref = id, root
		}
	}
	if sc.Bootstrap == "" {
		return fmt.Errorf("bootstrap vat %q is not in vats", spec.Bootstrap)
	}
	if err := r.openIO(sc); err != nil {
		return err
	}
	r.k.SetSubcluster(sc)
	return nil
}

func (r *Router) bootstrapMessage(sc *subclusterRecord) (marshal.CapData, error) {
	vats := map[string]any{}
	for i, id := range sc.Vats {
		root, _ := r.k.KrefOf(id, "o+0")
		vats[sc.VatNames[i]] = marshal.Ref{Kref: root, Iface: "Alleged: root"}
	}
	services := map[string]any{}
	for _, name := range sc.Services {
		if _, own := sc.IO[name]; own {
			continue // given below, as the subcluster's own channel
		}
		kref, _ := r.k.ServiceKref(name)
		services[name] = marshal.Ref{Kref: kref, Iface: r.k.Iface(kref)}
	}
	for name := range sc.IO {
		kref, _ := r.k.IOChannel(sc.ID, name)
		services[name] = marshal.Ref{Kref: kref, Iface: "Alleged: io " + name}
	}
	return marshal.Marshal([]any{"bootstrap", []any{vats, services}})
}

// removeSubcluster terminates every vat of a subcluster and deletes it.
func (r *Router) removeSubcluster(id, reason string) {
	sc, ok := r.k.Subcluster(id)
	if !ok {
		return
	}
	// The record goes first: terminating its vats one by one then has no
	// list to keep up to date.
	r.deleteSubcluster(sc, reason)
	for _, vat := range sc.Vats {
		r.terminateVat(vat, fmt.Sprintf("subcluster %s %s", id, reason))
	}
}

// deleteSubcluster closes a subcluster's io channels and deletes its record.
func (r *Router) deleteSubcluster(sc *subclusterRecord, reason string) {
	r.viewChanged()
	r.closeIO(sc, reason)
	r.k.DeleteSubcluster(sc)
}

// Terminate ends a subcluster: its vats are removed and its workers
// killed. It returns once they have exited; the crank loop does not wait
// for them.
func (r *Router) Terminate(ctx context.Context, id string) error {
	killed, err := r.doKilling(ctx, func() error {
		if _, ok := r.k.Subcluster(id); !ok {
			return fmt.Errorf("%w %q", ErrUnknownSubcluster, id)
		}
		r.removeSubcluster(id, "was terminated")
		return nil
	})
	if err != nil {
		return err
	}
	return awaitExits(ctx, killed)
}

// awaitExits waits for workers being killed to exit.
func awaitExits(ctx context.Context, workers []platform.Worker) error {
	for _, w := range workers {
		select {
		case <-w.Done():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Restore brings back every live subcluster after a kernel start: a fresh
// worker per vat, rebuilt from its baggage. A launch the previous kernel did
// not finish is removed. A vat that cannot start again is terminated, with
// the reason logged, and the rest carry on.
func (r *Router) Restore(ctx context.Context) error {
	var recs []*vatRecord
	err := r.do(ctx, func() error {
		if err := r.k.Load(ctx); err != nil {
			return err
		}
		if !r.k.RefsKept() {
			// A store from before reference counts: count them once.
			fixed := r.k.RepairRefs()
			r.log.Info("counted the references of every kernel object and promise", "changed", len(fixed))
		}
		r.revokedNow = append(r.revokedNow, r.k.RevokedObjects()...)
		r.viewChanged()
		r.rejectInterruptedCalls()
		for _, sc := range r.k.Subclusters() {
			if sc.State == launching {
				r.log.Info("removing a subcluster whose launch did not finish", "subcluster", sc.ID)
				r.removeSubcluster(sc.ID, "did not finish launching")
				continue
			}
			if !r.repairSubcluster(sc) {
				continue
			}
			if err := r.openIO(sc); err != nil {
				r.log.Error("an io channel of a restored subcluster could not be opened; its calls will fail", "subcluster", sc.ID, "error", err)
			}
			for _, id := range sc.Vats {
				rec, _ := r.vat(id) // there is one: see repairSubcluster
				recs = append(recs, rec)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if r.cfg.RestoreOnDemand {
		return r.do(ctx, func() error { r.restoreDormant(recs); return nil })
	}
	// Workers start ahead of their vats, restoreAhead at a time: most of
	// a restore is process start-up, which runs on every core while the
	// vats start in the workers already up, one by one and in order.
	next, stop := r.launchAhead(recs, restoreAhead)
	defer stop()
	for _, rec := range recs {
		id := rec.ID
		w := next()
		handed := false
		// Not waiting for each vat's commit: the last step below waits
		// for all, and a kernel that dies before restores them again.
		err := r.doUnsynced(ctx, func() error { handed = true; return r.restartVatIn(id, w) })
		if !handed && w != nil {
			r.killAll([]platform.Worker{w})
		}
		if errors.Is(err, ctx.Err()) && ctx.Err() != nil {
			return err
		}
		if err != nil {
			_ = r.do(ctx, func() error { r.endUnrestorable(id, err); return nil })
		}
	}
	return r.do(ctx, func() error { r.restored = true; return nil })
}

// restoreAhead is how many workers a restore starts ahead of its vats. On a
// few cores more would only share them; fewer would leave a core idle while
// a vat starts.
const restoreAhead = 16

// launchAhead starts a worker for each of recs, at most ahead at a time
// beyond the ones taken. next returns them in the order of recs: a worker,
// or nil where its launch failed (the vat then launches its own, which
// reports why). stop kills the workers not taken; call it once done.
func (r *Router) launchAhead(recs []*vatRecord, ahead int) (next func() platform.Worker, stop func()) {
	results := make([]chan platform.Worker, len(recs))
	for i := range results {
		results[i] = make(chan platform.Worker, 1)
	}
	slots := make(chan struct{}, ahead)
	done := make(chan struct{})
	launched := make(chan int, 1) // how many launches began, once they stop
	go func() {
		n := 0
		defer func() { launched <- n }()
		for _, rec := range recs {
			select {
			case slots <- struct{}{}:
			case <-done:
				return
			}
			go func(out chan<- platform.Worker) {
				var w platform.Worker
				defer func() {
					_ = recover() // as a failed launch: the vat's own says why
					out <- w
				}()
				if l, err := r.launchWorker(rec); err == nil {
					w = l
				}
			}(results[n])
			n++
		}
	}()
	taken := 0
	next = func() platform.Worker {
		w := <-results[taken]
		taken++
		<-slots
		return w
	}
	stop = func() {
		close(done)
		n := <-launched
		var left []platform.Worker
		for _, ch := range results[taken:n] {
			left = append(left, <-ch)
		}
		r.killAll(left)
	}
	return next, stop
}

// repairSubcluster drops from sc's list the vats that have no record (a
// store written by kernels that left terminated vats listed) and reports
// whether any vat is left; a subcluster with none is deleted.
func (r *Router) repairSubcluster(sc *subclusterRecord) bool {
	var vats, names []string
	for i, id := range sc.Vats {
		if _, ok := r.vat(id); ok {
			vats = append(vats, id)
			if i < len(sc.VatNames) {
				names = append(names, sc.VatNames[i])
			}
			continue
		}
		r.log.Warn("repairing the store: a terminated vat was still listed in its subcluster", "subcluster", sc.ID, "vat", id)
	}
	if len(vats) == len(sc.Vats) {
		return true
	}
	sc.Vats, sc.VatNames = vats, names
	r.viewChanged()
	if len(vats) == 0 {
		r.log.Warn("repairing the store: a subcluster whose vats were all terminated is deleted", "subcluster", sc.ID)
		r.deleteSubcluster(sc, "ended when its last vat was terminated")
		return false
	}
	r.k.SetSubcluster(sc)
	return true
}

// SystemSubclusters lists the names of the system subclusters in the store.
func (r *Router) SystemSubclusters(ctx context.Context) ([]string, error) {
	var names []string
	err := r.do(ctx, func() error {
		names = r.k.SystemSubclusterNames()
		return nil
	})
	return names, err
}

// VatStatus describes a live vat.
type VatStatus struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	SubclusterID string          `json:"subclusterId"`
	Config       json.RawMessage `json:"config,omitempty"`
	PID          int             `json:"pid,omitempty"`
	// Dormant: restored on demand and not started yet (no worker, no pid).
	Dormant bool `json:"dormant,omitempty"`
}

// SubclusterStatus describes a live subcluster.
type SubclusterStatus struct {
	ID       string          `json:"id"`
	Name     string          `json:"name,omitempty"`
	System   bool            `json:"system,omitempty"`
	Vats     []string        `json:"vats"`
	RootKref string          `json:"rootKref"`
	Config   json.RawMessage `json:"config,omitempty"`
}

// sortByNumber orders ids like s2 < s10.
func sortByNumber[T any](xs []T, id func(T) string) {
	num := func(s string) int {
		n, _ := strconv.Atoi(strings.TrimLeft(s, "abcdefghijklmnopqrstuvwxyz"))
		return n
	}
	slices.SortFunc(xs, func(a, b T) int { return num(id(a)) - num(id(b)) })
}
