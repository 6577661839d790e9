package router

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/router/keeper"
)

// ServiceHandler answers calls to a kernel service. It runs on a goroutine
// of its own, outside any crank: a slow service never holds up the crank
// loop. Its result (or error) settles the caller's promise in a later crank.
type ServiceHandler func(ctx context.Context, method string, args []any) (any, error)

type service struct {
	name       string
	kref       string
	handler    ServiceHandler
	systemOnly bool
}

// serviceCall is a call decided in a crank and started once it committed.
type serviceCall struct {
	svc    *service
	method string
	args   []any
	result string
}

// RegisterService makes h answer the kernel service name. A service keeps
// its kref across kernel restarts; messages that reached it while nothing
// was registered (a restored subcluster calling early) are delivered now.
func (r *Router) RegisterService(ctx context.Context, name string, h ServiceHandler, systemOnly bool) (string, error) {
	var kref string
	err := r.do(ctx, func() error {
		kref = r.registerService(name, h, systemOnly)
		return nil
	})
	return kref, err
}

func (r *Router) registerService(name string, h ServiceHandler, systemOnly bool) string {
	kref, ok := r.k.ServiceKref(name)
	if !ok {
		kref = r.k.NewObject(keeper.KernelOwner)
		r.k.SetIface(kref, "Alleged: "+name)
		r.k.SetServiceKref(name, kref)
	}
	svc := &service{name: name, kref: kref, handler: h, systemOnly: systemOnly}
	r.services[name] = svc
	r.serviceByKref[kref] = svc
	for _, item := range r.k.TakeParkedCalls(kref) {
		r.k.Enqueue(item)
	}
	return kref
}

// checkServices refuses a launch that asks for a service that is not
// registered, or for a system-only one from a regular subcluster. A
// config may list its own io entries among its services.
func (r *Router) checkServices(spec SubclusterSpec) error {
	for _, name := range spec.Services {
		if _, own := spec.IO[name]; own {
			continue
		}
		svc, ok := r.services[name]
		if !ok {
			return fmt.Errorf("unknown kernel service %q", name)
		}
		if svc.systemOnly && !spec.System {
			return fmt.Errorf("kernel service %q is only for system subclusters", name)
		}
	}
	return nil
}

// callService routes a message to a kernel service: parked until the
// service is registered, else started after this crank commits.
func (r *Router) callService(target string, item runItem) error {
	svc, ok := r.serviceByKref[target]
	if !ok {
		r.k.ParkServiceCall(target, item)
		return nil
	}
	v, err := marshal.Unmarshal(*item.Methargs)
	ma, _ := v.([]any)
	if err != nil || len(ma) != 2 {
		r.rejectResult(item, kernelError("", "malformed message to kernel service %q", svc.name))
		return nil
	}
	method, _ := ma[0].(string)
	args, _ := ma[1].([]any)
	if item.Result != "" {
		if p, ok := r.promise(item.Result); ok && p.State == unresolved {
			p.Decider = keeper.KernelOwner
			r.putPromise(item.Result, p)
		}
		r.k.SetServiceCall(item.Result, svc.name)
	}
	r.cur.calls = append(r.cur.calls, serviceCall{svc: svc, method: method, args: args, result: item.Result})
	return nil
}

// startCalls runs the service calls of committed cranks.
func (r *Router) startCalls(calls []serviceCall) {
	for _, c := range calls {
		go r.runCall(c)
	}
}

func (r *Router) runCall(c serviceCall) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("internal kernel error finishing a service call", "service", c.svc.name, "method", c.method, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	v, stack, err := safeCall(r.ctx, c)
	outcome := "ok"
	switch {
	case stack != nil:
		outcome = "panic"
		r.log.Error("kernel service panicked; the caller gets a rejection", "service", c.svc.name, "method", c.method, "panic", err, "stack", string(stack))
	case err != nil:
		outcome = "error"
	}
	r.obs.ServiceCall(c.svc.name, outcome)
	if c.result == "" {
		return
	}
	var data marshal.CapData
	rejected := err != nil
	if rejected {
		data = serviceError(c, err)
	} else if data, err = marshal.Marshal(v); err != nil {
		rejected = true
		data = kernelError("", "kernel service %q: %s returned a value that cannot be passed: %v", c.svc.name, c.method, err)
	}
	_ = r.do(r.ctx, func() error {
		for _, s := range data.Slots {
			if err := r.checkKref(s); err != nil {
				data, rejected = kernelError("", "kernel service %q: %s returned %v", c.svc.name, c.method, err), true
				break
			}
		}
		r.k.ClearServiceCall(c.result)
		if p, ok := r.promise(c.result); ok && p.Decider == keeper.KernelOwner {
			p.Decider = ""
			r.putPromise(c.result, p)
		}
		r.resolve(c.result, rejected, data)
		return nil
	})
}

// safeCall runs a call; a panic becomes an error, and its stack is
// returned for the kernel log only (it never reaches a vat).
func safeCall(ctx context.Context, c serviceCall) (v any, stack []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, stack, err = nil, debug.Stack(), fmt.Errorf("kernel service %q: %s panicked: %v", c.svc.name, c.method, p)
		}
	}()
	v, err = c.svc.handler(ctx, c.method, c.args)
	return v, nil, err
}

// serviceError is the rejection for a failed call: a JavaScript-style
// error keeps its name; anything else becomes an Error with the message.
func serviceError(c serviceCall, err error) marshal.CapData {
	if me, ok := err.(*marshal.Error); ok {
		if cd, merr := marshal.Marshal(me); merr == nil {
			return cd
		}
	}
	cd, _ := marshal.Marshal(&marshal.Error{Name: "Error", Message: err.Error()})
	return cd
}

// rejectInterruptedCalls settles the calls a previous kernel started but
// never finished: a service call is not repeated behind the host's back.
func (r *Router) rejectInterruptedCalls() {
	for _, c := range r.k.ServiceCalls() {
		if p, ok := r.promise(c.KP); ok && p.Decider == keeper.KernelOwner {
			p.Decider = ""
			r.putPromise(c.KP, p)
		}
		r.resolve(c.KP, true, kernelError("", "kernel service %q: the kernel restarted while the call was in progress; it was not repeated", c.Service))
		r.k.ClearServiceCall(c.KP)
	}
}
