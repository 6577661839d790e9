package router

import (
	"context"
	"maps"
	"strconv"
)

// hostView is what hosts read without going through the crank loop:
// status, system subclusters and revocations, as of the last commit. A
// steady stream of such reads never delays a crank, and never waits for one.
//
// The loop rebuilds the view after a crank that changed what it shows,
// and publishes it once that crank is durable, as it answers hosts.
type hostView struct {
	vats        []VatStatus
	subclusters []SubclusterStatus
	systems     map[string]SubclusterStatus // running system subclusters by name
	revoked     map[string]bool
}

// issued are the kref counters as of the last commit: krefs below them
// were handed out.
type issued struct{ objects, promises int64 }

// viewChanged marks that the current crank changes what the host view shows.
func (r *Router) viewChanged() { r.viewDirty = true }

// sealView builds the next view, if the crank that just sealed changed it;
// it goes out with that crank's commit.
func (r *Router) sealView() {
	if !r.viewDirty && len(r.revokedNow) == 0 && !r.wiped {
		return
	}
	// The newest view so far: that of the queued batch, else that of the
	// batch in flight, else the published one.
	base := r.queued.view
	if base == nil {
		base = r.inflight.view
	}
	if base == nil {
		base = r.view.Load()
	}
	v := *base
	if r.viewDirty {
		v.vats, v.subclusters, v.systems = r.statusNow()
	}
	if r.wiped {
		v.revoked = map[string]bool{}
	}
	if len(r.revokedNow) > 0 {
		v.revoked = maps.Clone(v.revoked)
		for _, kref := range r.revokedNow {
			v.revoked[kref] = true
		}
	}
	r.dropView()
	r.cur.view = &v
}

// dropView forgets what the current crank changed of the view (sealed
// into a new view, or aborted).
func (r *Router) dropView() { r.viewDirty, r.revokedNow, r.wiped = false, r.revokedNow[:0], false }

// publishView makes the view of the cranks just committed the hosts' one.
func (r *Router) publishView(v *hostView) {
	if v != nil {
		r.view.Store(v)
	}
	objects, promises := r.k.Counters()
	r.issued.Store(&issued{objects, promises})
}

// statusNow reads the running subclusters and their vats from the tables.
func (r *Router) statusNow() ([]VatStatus, []SubclusterStatus, map[string]SubclusterStatus) {
	vats := []VatStatus{}
	subs := []SubclusterStatus{}
	systems := map[string]SubclusterStatus{}
	for _, sc := range r.k.Subclusters() {
		if sc.State != running {
			continue
		}
		st := SubclusterStatus{ID: sc.ID, Name: sc.Name, System: sc.System, Vats: sc.Vats, RootKref: sc.RootKref, Config: sc.Config}
		subs = append(subs, st)
		if sc.Name != "" {
			systems[sc.Name] = st
		}
		for _, id := range sc.Vats {
			if rec, ok := r.vat(id); ok {
				vats = append(vats, VatStatus{ID: id, Name: rec.Name, SubclusterID: sc.ID, Config: rec.Config})
			}
		}
	}
	sortByNumber(subs, func(s SubclusterStatus) string { return s.ID })
	sortByNumber(vats, func(v VatStatus) string { return v.ID })
	return vats, subs, systems
}

// Status lists the running vats and subclusters, as of the last commit.
func (r *Router) Status(ctx context.Context) ([]VatStatus, []SubclusterStatus, error) {
	if err := r.readable(ctx); err != nil {
		return nil, nil, err
	}
	v := r.view.Load()
	vats := make([]VatStatus, len(v.vats))
	copy(vats, v.vats)
	r.mu.Lock()
	for i := range vats {
		vats[i].PID = r.handles[vats[i].ID].pid
		vats[i].Dormant = r.dormant[vats[i].ID]
	}
	r.mu.Unlock()
	subs := make([]SubclusterStatus, len(v.subclusters))
	copy(subs, v.subclusters)
	return vats, subs, nil
}

// SystemSubcluster finds a running system subcluster by name, as of the
// last commit.
func (r *Router) SystemSubcluster(ctx context.Context, name string) (id, rootKref string, ok bool, err error) {
	if err := r.readable(ctx); err != nil {
		return "", "", false, err
	}
	sc, ok := r.view.Load().systems[name]
	return sc.ID, sc.RootKref, ok, nil
}

// IsRevoked reports whether the object kref was revoked, as of the last
// commit.
func (r *Router) IsRevoked(ctx context.Context, kref string) (bool, error) {
	if err := r.readable(ctx); err != nil {
		return false, err
	}
	if err := r.checkIssued(kref); err != nil {
		return false, err
	}
	return r.view.Load().revoked[kref], nil
}

// readable says why a host read cannot be answered: the caller gave up,
// or the kernel has stopped.
func (r *Router) readable(ctx context.Context) error {
	select {
	case <-r.done:
		return ErrStopped
	default:
		return ctx.Err()
	}
}

// checkIssued checks an object kref against the committed counters.
func (r *Router) checkIssued(kref string) error {
	return checkKref(kref, true, func() bool {
		n, err := strconv.ParseInt(kref[2:], 10, 64)
		return err == nil && n < r.issued.Load().objects
	})
}
