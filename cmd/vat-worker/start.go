package main

import (
	"runtime/debug"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/liveslots"
	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/supervisor"
)

// settleDelay: a worker gives back what its start used and no longer
// needs this long after StartVat, once the answer is on its way and the
// launch's first messages are likely in.
const settleDelay = 200 * time.Millisecond

// newRuntime is supervisor's default runtime, which settles once its vat
// has started.
func newRuntime(logger hclog.Logger, wantCrank func()) (supervisor.Runtime, error) {
	v, err := liveslots.New(logger, wantCrank)
	if err != nil {
		return nil, err
	}
	return &vat{Vat: v, settle: startSettling()}, nil
}

// vat is a liveslots vat that settles once started.
type vat struct {
	*liveslots.Vat
	settle func()
}

func (v *vat) Deliver(d *workerpb.Delivery) *workerpb.DeliveryResult {
	res := v.Vat.Deliver(d)
	if v.settle != nil && d.GetStartVat() != nil {
		time.AfterFunc(settleDelay, v.settle)
		v.settle = nil
	}
	return res
}

// startSettling returns what a worker does once its vat has started: a
// worker spends most of its life idle, and most of what its start used
// (the heap that compiling and running liveslots took, the code that did
// it) is not used again.
func startSettling() func() {
	code := startupCode()
	return func() {
		debug.FreeOSMemory()
		code.release()
	}
}

// vat keeps the runtime's optional interfaces: without them the
// supervisor would run no timers, interrupt nothing and read no vatstore.
var (
	_ supervisor.EventLoop      = (*vat)(nil)
	_ supervisor.Interrupter    = (*vat)(nil)
	_ supervisor.VatstoreClient = (*vat)(nil)
)
