package router

import (
	"encoding/json"
	"fmt"
	"sort"
)

// OpenIO opens one io channel of a subcluster: a service handler for its
// read() and write(), and how to close it. relative paths resolve against dir.
type OpenIO func(name string, config json.RawMessage, dir string) (ServiceHandler, func(), error)

func ioServiceName(subcluster, name string) string { return "io." + subcluster + "." + name }

// openIO opens a subcluster's io channels as kernel services that only its
// own bootstrap gets. If one fails, those already opened are closed.
func (r *Router) openIO(sc *subclusterRecord) error {
	if len(sc.IO) == 0 {
		return nil
	}
	if r.cfg.OpenIO == nil {
		return fmt.Errorf("subcluster %s has io channels, and this kernel cannot open them", sc.ID)
	}
	names := make([]string, 0, len(sc.IO))
	for name := range sc.IO {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		h, closeFn, err := r.cfg.OpenIO(name, sc.IO[name], sc.Dir)
		if err != nil {
			r.closeIO(sc, "failed to open")
			return err
		}
		r.registerService(ioServiceName(sc.ID, name), h, false)
		r.ioClosers[sc.ID] = append(r.ioClosers[sc.ID], closeFn)
	}
	return nil
}

// closeIO closes a subcluster's channels; their krefs answer no more.
func (r *Router) closeIO(sc *subclusterRecord, reason string) {
	for _, closeFn := range r.ioClosers[sc.ID] {
		closeFn()
	}
	delete(r.ioClosers, sc.ID)
	for name := range sc.IO {
		svc := ioServiceName(sc.ID, name)
		if kref, ok := r.k.ServiceKref(svc); ok {
			r.k.SetObjectGone(kref, fmt.Sprintf("[KERNEL:%s] io channel %q of subcluster %s is closed: the subcluster %s", CodeObjectDeleted, name, sc.ID, reason))
			delete(r.serviceByKref, kref)
		}
		delete(r.services, svc)
		r.k.DeleteService(svc)
	}
}
