package main

import (
	"os"
	"runtime/debug"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/liveslots"
	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/supervisor"
)

// settleDelay: a worker gives back the heap its start used this long
// after StartVat, once the answer is on its way and the launch's first
// messages are likely in.
const settleDelay = 200 * time.Millisecond

// idleTrim: a worker that has had no delivery this long also drops its
// binary's code pages from its resident memory. They fault back in when it
// next runs (about 2,700 faults, some 40 ms of CPU on a 2-core machine):
// worth it for a vat idle for minutes, not for one between messages, nor
// during a restore, whose pings come seconds after StartVat (dropping them
// 200 ms after start made a 100-vat restart 5.3 s → 7.3 s).
const idleTrim = time.Minute

// idleTrimEnv, when set to a duration (through platform.Options.Env), is
// the idle time after which the worker drops its code pages: how `make
// bench` measures an idle vat's memory without waiting a minute per step.
const idleTrimEnv = "OCAP_WORKER_IDLE_TRIM"

// idleTrimAfter is idleTrim, or the duration idleTrimEnv sets.
func idleTrimAfter() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(idleTrimEnv)); err == nil && d > 0 {
		return d
	}
	return idleTrim
}

// newRuntime is supervisor's default runtime, which settles once its vat
// has started.
func newRuntime(logger hclog.Logger, wantCrank func()) (supervisor.Runtime, error) {
	v, err := liveslots.New(logger, wantCrank)
	if err != nil {
		return nil, err
	}
	return &vat{Vat: v, code: startupCode(), trimAfter: idleTrimAfter()}, nil
}

// vat is a liveslots vat that gives back memory once started and when idle.
type vat struct {
	*liveslots.Vat
	code      codeRanges
	trimAfter time.Duration
	idle      *time.Timer // set at StartVat: drops the code pages after trimAfter without a delivery
}

func (v *vat) Deliver(d *workerpb.Delivery) *workerpb.DeliveryResult {
	res := v.Vat.Deliver(d)
	switch {
	case v.idle != nil:
		v.idle.Reset(v.trimAfter)
	case d.GetStartVat() != nil:
		// A worker spends most of its life idle, and most of the heap its
		// start used (compiling and running liveslots) is garbage.
		time.AfterFunc(settleDelay, debug.FreeOSMemory)
		v.idle = time.AfterFunc(v.trimAfter, v.code.release)
	}
	return res
}

// vat keeps the runtime's optional interfaces: without them the
// supervisor would run no timers, interrupt nothing and read no vatstore.
var (
	_ supervisor.EventLoop      = (*vat)(nil)
	_ supervisor.Interrupter    = (*vat)(nil)
	_ supervisor.VatstoreClient = (*vat)(nil)
)
