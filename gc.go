package ocap

import (
	"context"

	"github.com/ocapgo/ocap/router"
	"github.com/ocapgo/ocap/store"
)

// RefMismatch is a kref whose stored reference count differs from what
// the kernel's tables say (see Kernel.CheckRefcounts).
type RefMismatch = router.RefMismatch

// DefaultReapInterval is Options.ReapInterval's default.
const DefaultReapInterval = router.DefaultReapInterval

// CollectGarbage asks every vat to bring out its dead (report the
// presences and exports nothing refers to any more) and returns once what
// they reported reached the vats that exported it, and the kernel retired
// what nobody needs. The kernel also does this by itself, one vat at a
// time, every Options.ReapInterval deliveries to it.
func (k *Kernel) CollectGarbage(ctx context.Context) error { return k.r.CollectGarbage(ctx) }

// CheckRefcounts recomputes the reference count of every kernel object and
// promise from the tables that refer to them (c-lists, run queue, promise
// queues and data, services, io channels, host references) and returns the
// krefs whose stored counts differ: none, in a healthy store.
func (k *Kernel) CheckRefcounts(ctx context.Context) ([]RefMismatch, error) {
	return k.r.CheckRefcounts(ctx)
}

// CheckStoreRefcounts runs the refcount check of CheckRefcounts on a store
// no kernel is running on (a stopped or killed one's): kernel check.
func CheckStoreRefcounts(ctx context.Context, db store.Store) ([]RefMismatch, error) {
	return router.CheckStore(ctx, db)
}
