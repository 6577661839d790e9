package router

import "time"

// Observer sees what the crank loop does (package metrics implements it).
// Calls come from the loop goroutine, or from service-call goroutines for
// ServiceCall, and must return at once.
type Observer interface {
	// Crank reports one finished crank: how long it took and whether it
	// committed.
	Crank(elapsed time.Duration, committed bool)
	// Delivery reports a delivery to a vat by kind: message, notify,
	// startVat, flush, ping.
	Delivery(kind string)
	// Syscall reports a syscall by kind: send, subscribe, resolve, exit,
	// vatstoreSet, vatstoreDelete, drop.
	Syscall(kind string)
	// RunQueue reports the run queue's length after a crank.
	RunQueue(length int64)
	// WorkerRestarted reports a vat restarted because its worker died.
	WorkerRestarted(reason string)
	// Revoked reports an object revoked.
	Revoked()
	// ServiceCall reports a kernel service call by service and outcome
	// (ok, error, panic).
	ServiceCall(service, outcome string)
	// Remote reports a frame between kernels: sent, received,
	// retransmitted, duplicate (taken in before), refused.
	Remote(event string)
}

type nopObserver struct{}

func (nopObserver) Crank(time.Duration, bool)  {}
func (nopObserver) Delivery(string)            {}
func (nopObserver) Syscall(string)             {}
func (nopObserver) RunQueue(int64)             {}
func (nopObserver) WorkerRestarted(string)     {}
func (nopObserver) Revoked()                   {}
func (nopObserver) ServiceCall(string, string) {}
func (nopObserver) Remote(string)              {}
