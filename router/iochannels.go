package router

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/ocapgo/ocap/router/keeper"
)

// OpenIO opens one io channel of a subcluster: a service handler for its
// read() and write(), and how to close it. relative paths resolve against dir.
type OpenIO func(name string, config json.RawMessage, dir string) (ServiceHandler, func(), error)

// openIO opens a subcluster's io channels. They answer like kernel
// services, but have no name another config could ask for: only the
// subcluster's own bootstrap is given them. If one fails to open, those
// already opened are closed.
func (r *Router) openIO(sc *subclusterRecord) error {
	if len(sc.IO) == 0 {
		return nil
	}
	if r.cfg.OpenIO == nil {
		return fmt.Errorf("subcluster %s has io channels, and this kernel cannot open them", sc.ID)
	}
	for _, name := range ioNames(sc) {
		h, closeFn, err := r.cfg.OpenIO(name, sc.IO[name], sc.Dir)
		if err != nil {
			r.closeIO(sc, "failed to open")
			return err
		}
		kref, ok := r.k.IOChannel(sc.ID, name)
		if !ok {
			kref = r.k.NewObject(keeper.KernelOwner)
			r.k.SetIOChannel(sc.ID, name, kref)
		}
		r.serviceByKref[kref] = &service{name: fmt.Sprintf("io channel %q of subcluster %s", name, sc.ID), kref: kref, handler: h}
		r.ioClosers[sc.ID] = append(r.ioClosers[sc.ID], closeFn)
		for _, item := range r.k.TakeParkedCalls(kref) {
			r.k.Enqueue(item)
		}
	}
	return nil
}

func ioNames(sc *subclusterRecord) []string {
	names := make([]string, 0, len(sc.IO))
	for name := range sc.IO {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// closeIO closes a subcluster's channels; their krefs answer no more.
func (r *Router) closeIO(sc *subclusterRecord, reason string) {
	r.closeChannels(sc.ID)
	for _, name := range ioNames(sc) {
		if kref, ok := r.k.IOChannel(sc.ID, name); ok {
			r.k.SetObjectGone(kref, fmt.Sprintf("[KERNEL:%s] io channel %q of subcluster %s is closed: the subcluster %s", CodeObjectDeleted, name, sc.ID, reason))
			delete(r.serviceByKref, kref)
			r.k.DeleteIOChannel(sc.ID, name)
		}
	}
}

// closeChannels closes the open io channels of subcluster id ("" for
// every subcluster), leaving their records alone.
func (r *Router) closeChannels(id string) {
	for sub, closers := range r.ioClosers {
		if id != "" && sub != id {
			continue
		}
		for _, closeFn := range closers {
			closeFn()
		}
		delete(r.ioClosers, sub)
	}
}
