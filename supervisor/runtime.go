// Package supervisor is the vat side of the kernel ⇄ worker boundary: it runs
// inside a vat-worker process, serves the kernel's stream through go-plugin
// and hands every delivery to the vat runtime, one at a time.
package supervisor

import (
	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// Runtime is one vat's runtime inside a worker.
//
// Every call into a Runtime is made from the same goroutine (a JavaScript
// runtime is single-threaded), in the order the deliveries arrived.
type Runtime interface {
	// Deliver runs one delivery to completion (until the vat is quiescent)
	// and returns its result with every syscall the vat made. The supervisor
	// sets the result's Id, so the runtime need not.
	Deliver(d *workerpb.Delivery) *workerpb.DeliveryResult
	// Close releases the runtime. The worker process exits soon after.
	Close()
}

// EventLoop is implemented by a Runtime whose vat has work of its own
// between deliveries: timer callbacks, fetch completions. The vat
// goroutine waits on Ready together with the next delivery and, when it
// fires, calls RunPending; so queued callbacks never run during a
// delivery, and they run in the order they were queued. Syscalls they
// make are the runtime's to buffer (it calls wantCrank so that the kernel
// sends a Flush delivery to collect them).
type EventLoop interface {
	// Ready receives a value when callbacks are queued; signals may
	// coalesce, so RunPending runs everything queued so far.
	Ready() <-chan struct{}
	// RunPending runs the queued callbacks, each as one turn of the vat.
	RunPending()
}

// Interrupter is implemented by a Runtime that can stop its vat code from
// another goroutine. The supervisor calls Interrupt when vat code runs past
// the delivery time limit (StartVat.delivery_time_limit_ms): the Deliver
// or RunPending in progress must then return soon, however the vat code
// loops. Interrupt may come just after that call has returned on its own;
// either way the supervisor makes no further Deliver or RunPending call,
// only Close. A Runtime without it is still timed, but a delivery that
// never returns is left for the kernel to kill.
type Interrupter interface {
	// Interrupt stops the vat code running now, or the next to run; reason
	// says why (it names the limit). It may be called from any goroutine.
	Interrupt(reason error)
}

// VatstoreClient is implemented by a Runtime that reads its vatstore from
// the kernel when StartVat carries only part of it (a big vatstore). The
// supervisor calls SetVatstoreReader once, before the first delivery; read
// is called from the vat goroutine and blocks until the kernel answers. A
// Runtime without it fails to start a vat whose vatstore is big.
type VatstoreClient interface {
	SetVatstoreReader(read func(*workerpb.VatstoreRead) (*workerpb.VatstoreReadResult, error))
}

// NewRuntimeFunc builds a vat runtime. wantCrank may be called from any
// goroutine whenever the vat has work outside a delivery (a timer fired, a
// fetch completed): the kernel then sends a flush delivery, during which the
// runtime runs that work on its goroutine and returns the syscalls made.
type NewRuntimeFunc func(logger hclog.Logger, wantCrank func()) (Runtime, error)
