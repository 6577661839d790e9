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

// NewRuntimeFunc builds a vat runtime. wantCrank may be called from any
// goroutine whenever the vat has work outside a delivery (a timer fired, a
// fetch completed): the kernel then sends a flush delivery, during which the
// runtime runs that work on its goroutine and returns the syscalls made.
type NewRuntimeFunc func(logger hclog.Logger, wantCrank func()) (Runtime, error)
