package router

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/router/keeper"
	"github.com/ocapgo/ocap/store/driver"
)

// Garbage collection, as SwingSet's kernel does it. The keeper counts the
// references to every object and promise as tables change; at the end of
// each crank collect looks at the krefs whose counts fell to zero:
//
//   - a settled promise nothing refers to is deleted (its data's
//     references with it);
//   - an object nobody can reach any more is dropped: its exporter gets
//     dropExports, and retireExports once nobody can even recognize it;
//   - an object whose owner is gone (a terminated or restarted vat, an io
//     channel closed) is retired: importers that can still recognize it
//     get retireImports, and its rows are deleted.
//
// What vats are told waits in the durable GC queue and is delivered, each
// batch its own crank, before the run queue moves on; a batch is checked
// again when its turn comes, as a vat may have re-exported an object since.

// gcBatch groups the GC actions of one crank by vat and kind.
type gcBatch map[[2]string][]string

func (b gcBatch) add(vat, kind, kref string) {
	key := [2]string{vat, kind}
	if !slices.Contains(b[key], kref) {
		b[key] = append(b[key], kref)
	}
}

// collect frees what the crank left unreferenced and queues what vats
// must be told. It runs inside the crank, before its writes are sealed.
func (r *Router) collect() {
	for {
		krefs := r.k.TakeMaybeFree()
		if len(krefs) == 0 {
			break
		}
		for _, kref := range krefs {
			if strings.HasPrefix(kref, "kp") {
				r.freePromise(kref)
			} else {
				r.freeObject(kref)
			}
		}
	}
	if len(r.gcActions) == 0 {
		return
	}
	keys := make([][2]string, 0, len(r.gcActions))
	for key := range r.gcActions {
		keys = append(keys, key)
	}
	// By vat, and for one vat dropExports before retireExports before
	// retireImports (the kinds sort that way).
	slices.SortFunc(keys, func(a, b [2]string) int {
		if a[0] != b[0] {
			return compareIDs(a[0], b[0])
		}
		return strings.Compare(a[1], b[1])
	})
	for _, key := range keys {
		r.k.QueueGC(keeper.GCAction{Vat: key[0], Kind: key[1], Krefs: r.gcActions[key]})
		r.gcQueuedTotal++
	}
	clear(r.gcActions)
}

func (r *Router) freePromise(kp string) {
	if p, ok := r.promise(kp); ok && p.Settled() && p.Refs == 0 {
		r.k.DeletePromise(kp)
	}
}

func (r *Router) freeObject(ko string) {
	owner, ok := r.k.ObjectOwner(ko)
	if !ok {
		return
	}
	refs := r.k.ObjectRefs(ko)
	if refs.Reachable > 0 {
		return
	}
	_, gone := r.k.ObjectGone(ko)
	if !gone && r.ownerLive(owner) {
		if r.k.Reachable(owner, ko) {
			r.gcActions.add(owner, keeper.DropExports, ko)
		}
		if refs.Recognizable == 0 {
			r.gcActions.add(owner, keeper.RetireExports, ko)
		}
		return
	}
	// Its owner is gone (or is the kernel, whose io channels and services
	// are held by their tables while they answer): nobody will use it.
	r.retireObject(ko, refs.Recognizable > 0)
}

// ownerLive says whether owner is a running vat or a known peer kernel.
func (r *Router) ownerLive(owner string) bool {
	if isRemote(owner) {
		_, ok := r.k.Remote(owner)
		return ok
	}
	_, ok := r.vat(owner)
	return ok
}

// retireObject deletes ko; the vats that can still recognize it are told.
func (r *Router) retireObject(ko string, recognized bool) {
	if recognized {
		for _, vat := range append(r.k.VatIDs(), r.k.RemoteIDs()...) {
			if vref, ok := r.k.VrefOf(vat, ko); ok && strings.HasPrefix(vref, "o-") {
				r.gcActions.add(vat, keeper.RetireImports, ko)
			}
		}
	}
	r.k.DeleteObject(ko)
}

// processGC delivers one batch of the GC queue, keeping only the krefs
// the batch still applies to.
func (r *Router) processGC(a keeper.GCAction) error {
	if _, ok := r.workers[a.Vat]; !ok && !isRemote(a.Vat) {
		if r.isDormant(a.Vat) {
			return &dormantError{a.Vat}
		}
		return nil // a vat that is gone has nothing to collect
	}
	var vrefs []string
	for _, ko := range a.Krefs {
		if vref, ok := r.applyGC(a.Vat, a.Kind, ko); ok {
			vrefs = append(vrefs, vref)
		}
	}
	if len(vrefs) == 0 {
		return nil
	}
	list := &workerpb.VrefList{Vrefs: vrefs}
	d := &workerpb.Delivery{}
	switch a.Kind {
	case keeper.DropExports:
		d.Kind = &workerpb.Delivery_DropExports{DropExports: list}
	case keeper.RetireExports:
		d.Kind = &workerpb.Delivery_RetireExports{RetireExports: list}
	case keeper.RetireImports:
		d.Kind = &workerpb.Delivery_RetireImports{RetireImports: list}
	default:
		r.log.Error("dropping a GC action of unknown kind", "kind", a.Kind)
		return nil
	}
	return r.deliver(a.Vat, d)
}

// applyGC makes the table changes one GC action stands for, if it still
// applies, and returns the vref to tell vat.
func (r *Router) applyGC(vat, kind, ko string) (string, bool) {
	vref, known := r.k.VrefOf(vat, ko)
	if !known {
		return "", false // done already (the vat retired it itself)
	}
	owner, exists := r.k.ObjectOwner(ko)
	_, gone := r.k.ObjectGone(ko)
	refs := r.k.ObjectRefs(ko)
	switch kind {
	case keeper.DropExports:
		// Re-exported since, or already dropped: nothing to say.
		if !exists || gone || owner != vat || refs.Reachable > 0 || !r.k.Reachable(vat, ko) {
			return "", false
		}
		r.k.SetReachable(vat, ko, false)
	case keeper.RetireExports:
		if !exists || gone || owner != vat || refs.Reachable > 0 || refs.Recognizable > 0 {
			return "", false
		}
		r.k.CListDrop(vat, vref, ko)
		r.k.DeleteObject(ko)
	case keeper.RetireImports:
		if exists || !strings.HasPrefix(vref, "o-") {
			return "", false
		}
		r.k.CListDrop(vat, vref, ko)
	}
	return vref, true
}

// gcSyscall applies dropImports, retireImports, retireExports or
// abandonExports: vrefs must be objects vat imports (or exports, for the
// last two), each in its c-list.
func (r *Router) gcSyscall(vat, kind string, vrefs []string) error {
	exports := kind == "retireExports" || kind == "abandonExports"
	for _, vref := range vrefs {
		k, mine, ok := parseVref(vref)
		if !ok || k != 'o' || mine != exports {
			want := "an import (o-N)"
			if exports {
				want = "an export (o+N)"
			}
			return illegal("vat %s called %s with %q, which is not %s", vat, kind, vref, want)
		}
		ko, ok := r.k.KrefOf(vat, vref)
		if !ok {
			return illegal("vat %s called %s with %s, which is not in its c-list", vat, kind, vref)
		}
		switch kind {
		case "dropImports":
			r.k.SetReachable(vat, ko, false)
		case "retireImports":
			if r.k.Reachable(vat, ko) {
				return illegal("vat %s retired import %s (%s) while it could still reach it: dropImports comes first", vat, vref, ko)
			}
			r.k.CListDrop(vat, vref, ko)
		case "retireExports":
			if r.k.Reachable(vat, ko) {
				return illegal("vat %s retired export %s (%s) that the kernel has not dropped", vat, vref, ko)
			}
			r.k.CListDrop(vat, vref, ko)
			r.retireObject(ko, r.k.ObjectRefs(ko).Recognizable > 0)
		case "abandonExports":
			if vref == "o+0" {
				return illegal("vat %s abandoned its root object", vat)
			}
			r.k.SetObjectGone(ko, fmt.Sprintf("[KERNEL:%s] object %s no longer exists: vat %s abandoned it", CodeObjectDeleted, ko, vat))
			r.k.CListDrop(vat, vref, ko)
		}
	}
	return nil
}

// compareIDs orders ids like v2 < v10.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func (r *Router) gcQueued() (queued bool) {
	defer func() {
		if recover() != nil {
			queued = false // the run queue's read reports a failing store
		}
	}()
	return r.k.GCQueueLength() > 0
}

// stepGC runs the head of the GC queue as one crank.
func (r *Router) stepGC() bool {
	var a keeper.GCAction
	start := time.Now()
	err := r.crank(func() error {
		var ok bool
		if a, ok = r.k.TakeGC(); !ok {
			return nil
		}
		r.current = runItem{Type: a.Kind, Vat: a.Vat, Target: strings.Join(a.Krefs, ",")}
		return r.processGC(a)
	})
	r.obs.Crank(time.Since(start), err == nil)
	r.afterCrank(err)
	r.current = runItem{}
	return true
}

// RefMismatch is a kref whose stored reference count differs from what
// the tables say.
type RefMismatch = keeper.RefMismatch

// CheckRefcounts recomputes every reference count from the tables and
// returns the krefs whose stored count differs (none, in a healthy kernel).
func (r *Router) CheckRefcounts(ctx context.Context) ([]RefMismatch, error) {
	var out []RefMismatch
	err := r.do(ctx, func() error {
		out = r.k.CheckRefs()
		return nil
	})
	return out, err
}

// CheckStore runs the refcount check on a store no kernel is running on.
func CheckStore(ctx context.Context, st driver.Store) (out []RefMismatch, err error) {
	defer func() {
		if p := recover(); p != nil {
			se, ok := p.(keeper.StoreError)
			if !ok {
				panic(p)
			}
			err = se
		}
	}()
	k := keeper.New(st)
	if err := k.Load(ctx); err != nil {
		return nil, err
	}
	if objects, _ := k.Counters(); !k.RefsKept() && objects > 1 {
		return nil, errors.New("this store's reference counts were never kept (a kernel older than them wrote it); a kernel started over it counts them")
	}
	return k.CheckRefs(), nil
}

// KernelTables reports how many kernel objects, promises and c-list
// entries exist, as of the last crank, without waiting for the crank loop.
func (r *Router) KernelTables() (objects, promises, clistEntries int64) {
	s := r.k.Stats()
	return s.Objects.Load(), s.Promises.Load(), s.CListEntries.Load()
}
