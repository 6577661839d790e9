package liveslots

import (
	"strconv"

	"github.com/dop251/goja"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// newHost builds the object holding the Go functions liveslots.js calls.
// It is handed to the liveslots files as lib.host and captured in their
// closures; it is never put on the global object, so vat code cannot reach
// it.
func (v *Vat) newHost() *goja.Object {
	h := v.rt.NewObject()
	set := func(name string, fn func(goja.FunctionCall) goja.Value) {
		// Set on a fresh ordinary object with a string key cannot fail.
		_ = h.Set(name, fn)
	}
	set("send", func(c goja.FunctionCall) goja.Value {
		v.syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_Send{Send: &workerpb.Send{
			Target:   c.Argument(0).String(),
			Methargs: &workerpb.CapData{Body: c.Argument(1).String(), Slots: stringList(c.Argument(2))},
			Result:   c.Argument(3).String(),
		}}})
		return goja.Undefined()
	})
	set("subscribe", func(c goja.FunctionCall) goja.Value {
		v.syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_Subscribe{Subscribe: c.Argument(0).String()}})
		return goja.Undefined()
	})
	set("resolve", func(c goja.FunctionCall) goja.Value {
		v.syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_Resolve{Resolve: &workerpb.Resolve{
			Resolutions: []*workerpb.Resolution{{
				Vref:     c.Argument(0).String(),
				Rejected: c.Argument(1).ToBoolean(),
				Data:     &workerpb.CapData{Body: c.Argument(2).String(), Slots: stringList(c.Argument(3))},
			}},
		}}})
		return goja.Undefined()
	})
	gcSyscall := func(name string, kind func(*workerpb.VrefList) *workerpb.Syscall) {
		set(name, func(c goja.FunctionCall) goja.Value {
			v.syscall(kind(&workerpb.VrefList{Vrefs: stringList(c.Argument(0))}))
			return goja.Undefined()
		})
	}
	gcSyscall("dropImports", func(l *workerpb.VrefList) *workerpb.Syscall {
		return &workerpb.Syscall{Kind: &workerpb.Syscall_DropImports{DropImports: l}}
	})
	gcSyscall("retireImports", func(l *workerpb.VrefList) *workerpb.Syscall {
		return &workerpb.Syscall{Kind: &workerpb.Syscall_RetireImports{RetireImports: l}}
	})
	gcSyscall("retireExports", func(l *workerpb.VrefList) *workerpb.Syscall {
		return &workerpb.Syscall{Kind: &workerpb.Syscall_RetireExports{RetireExports: l}}
	})
	set("vatstoreGet", func(c goja.FunctionCall) goja.Value {
		value, ok, err := v.store.get(c.Argument(0).String())
		if err != nil {
			panic(v.rt.NewGoError(err))
		}
		if !ok {
			return goja.Undefined()
		}
		return v.rt.ToValue(value)
	})
	set("vatstoreNextEntries", func(c goja.FunctionCall) goja.Value {
		entries, more, err := v.store.nextEntries(c.Argument(0).String(), c.Argument(1).String(), int(c.Argument(2).ToInteger()))
		if err != nil {
			panic(v.rt.NewGoError(err))
		}
		pairs := make([]any, len(entries))
		for i, e := range entries {
			pairs[i] = v.rt.NewArray(e.key, e.value)
		}
		out := v.rt.NewObject()
		_ = out.Set("entries", v.rt.NewArray(pairs...))
		_ = out.Set("more", more)
		return out
	})
	set("vatstoreSet", func(c goja.FunctionCall) goja.Value {
		v.store.set(c.Argument(0).String(), c.Argument(1).String())
		v.syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_VatstoreSet{VatstoreSet: &workerpb.VatstoreEntry{
			Key:   c.Argument(0).String(),
			Value: c.Argument(1).String(),
		}}})
		return goja.Undefined()
	})
	set("vatstoreDelete", func(c goja.FunctionCall) goja.Value {
		v.store.delete(c.Argument(0).String())
		v.syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_VatstoreDelete{VatstoreDelete: c.Argument(0).String()}})
		return goja.Undefined()
	})
	set("crankWork", func(goja.FunctionCall) goja.Value {
		v.crankWork = true
		return goja.Undefined()
	})
	// The weak vref table (weak.go): liveslots' only way to hold an
	// object without keeping it alive.
	set("weakSet", func(c goja.FunctionCall) goja.Value {
		obj, ok := c.Argument(1).(*goja.Object)
		if !ok {
			panic(v.rt.NewTypeError("weakSet: %s is not an object", c.Argument(1)))
		}
		v.weak.set(c.Argument(0).String(), obj)
		return goja.Undefined()
	})
	set("weakGet", func(c goja.FunctionCall) goja.Value {
		if obj := v.weak.get(c.Argument(0).String()); obj != nil {
			return obj
		}
		return goja.Undefined()
	})
	set("weakHas", func(c goja.FunctionCall) goja.Value {
		return v.rt.ToValue(v.weak.has(c.Argument(0).String()))
	})
	set("weakSize", func(goja.FunctionCall) goja.Value {
		return v.rt.ToValue(v.weak.len())
	})
	set("collectGarbage", func(goja.FunctionCall) goja.Value {
		dead := v.weak.collect()
		items := make([]any, len(dead))
		for i, vref := range dead {
			items[i] = vref
		}
		return v.rt.NewArray(items...)
	})
	// promiseSettlement reads a settled promise's outcome, {rejected,
	// value}, or undefined while it is pending.
	set("promiseSettlement", func(c goja.FunctionCall) goja.Value {
		obj, _ := c.Argument(0).(*goja.Object)
		if obj == nil {
			return goja.Undefined()
		}
		p, ok := obj.Export().(*goja.Promise)
		if !ok || p.State() == goja.PromiseStatePending {
			return goja.Undefined()
		}
		out := v.rt.NewObject()
		_ = out.Set("rejected", p.State() == goja.PromiseStateRejected)
		_ = out.Set("value", p.Result())
		return out
	})
	set("calleeAt", func(c goja.FunctionCall) goja.Value {
		return v.rt.ToValue(v.calleeAt(c.Argument(0).String()))
	})
	set("vatStack", func(c goja.FunctionCall) goja.Value {
		return v.rt.ToValue(v.vatStack(c.Argument(0).String()))
	})
	set("propertyAt", func(c goja.FunctionCall) goja.Value {
		return v.rt.ToValue(v.propertyAt(c.Argument(0).String()))
	})
	set("loadScript", func(c goja.FunctionCall) goja.Value {
		fn, err := loadScript(v.rt, c.Argument(0).String())
		if err != nil {
			panic(v.rt.NewGoError(err))
		}
		return fn
	})
	set("log", func(c goja.FunctionCall) goja.Value {
		v.vatLog(c.Argument(0).String(), c.Argument(1).String(), c.Argument(2).String())
		return goja.Undefined()
	})
	return h
}

// syscall records one syscall: into the current delivery's result, or,
// outside a delivery (timer callbacks, later), into a buffer the next Flush
// returns; the first buffered one asks the kernel for a crank.
func (v *Vat) syscall(s *workerpb.Syscall) {
	if v.inDelivery {
		v.syscalls = append(v.syscalls, s)
		return
	}
	v.pending = append(v.pending, s)
	if len(v.pending) == 1 && v.wantCrank != nil {
		v.wantCrank()
	}
}

// vatLog writes one console or vatPowers.logger line, tagged with the vat.
func (v *Vat) vatLog(level, tags, msg string) {
	args := []any{}
	if tags != "" {
		args = append(args, "tags", tags)
	}
	switch level {
	case "trace":
		v.log.Trace(msg, args...)
	case "debug":
		v.log.Debug(msg, args...)
	case "warn":
		v.log.Warn(msg, args...)
	case "error":
		v.log.Error(msg, args...)
	default:
		v.log.Info(msg, args...)
	}
}

// stringList converts a JS array of strings (slots) to Go. It reads the
// elements one by one: Export would build a generic copy first, and most
// slot lists are empty.
func stringList(val goja.Value) []string {
	obj, ok := val.(*goja.Object)
	if !ok {
		return nil
	}
	n := obj.Get("length").ToInteger()
	if n <= 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = obj.Get(strconv.Itoa(i)).String()
	}
	return out
}
