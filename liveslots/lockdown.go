package liveslots

import (
	"errors"

	"github.com/dop251/goja"
)

// newLib makes the lib object the liveslots files share, with what
// lockdown.js needs from Go.
func newLib(rt *goja.Runtime) *goja.Object {
	lib := rt.NewObject()
	_ = lib.Set("hardenIntrinsics", func(c goja.FunctionCall) goja.Value {
		roots, _ := c.Argument(0).(*goja.Object)
		hardened, _ := c.Argument(1).(*goja.Object)
		if roots == nil || hardened == nil {
			panic(rt.NewTypeError("hardenIntrinsics: roots and hardened must be objects"))
		}
		if err := hardenIntrinsics(rt, roots, hardened); err != nil {
			panic(rt.NewGoError(err))
		}
		return goja.Undefined()
	})
	return lib
}

// hardenIntrinsics is lockdown.js's harden for the intrinsics: it freezes
// every object of roots and everything reachable from them through own
// properties (accessors' getters and setters included) and prototypes, and
// adds each to hardened, the WeakSet at which harden stops. It is in Go
// because walking the intrinsics in JavaScript, some 470 objects and 1,500
// properties, took most of a worker's runtime set-up. None of them is a
// typed array, which harden would not freeze.
func hardenIntrinsics(rt *goja.Runtime, roots, hardened *goja.Object) error {
	object, _ := rt.GlobalObject().Get("Object").(*goja.Object)
	weakSet, _ := rt.GlobalObject().Get("WeakSet").(*goja.Object)
	if object == nil || weakSet == nil {
		return errors.New("lockdown: Object or WeakSet is missing")
	}
	freeze, ok1 := goja.AssertFunction(object.Get("freeze"))
	descriptors, ok2 := goja.AssertFunction(object.Get("getOwnPropertyDescriptors"))
	add, ok3 := goja.AssertFunction(weakSet.Get("prototype").ToObject(rt).Get("add"))
	if !ok1 || !ok2 || !ok3 {
		return errors.New("lockdown: Object.freeze, Object.getOwnPropertyDescriptors or WeakSet.prototype.add is missing")
	}

	var todo []*goja.Object
	seen := map[*goja.Object]bool{}
	push := func(v goja.Value) {
		if o, ok := v.(*goja.Object); ok && !seen[o] {
			todo = append(todo, o)
		}
	}
	for _, name := range roots.GetOwnPropertyNames() {
		if name != "length" {
			push(roots.Get(name))
		}
	}
	// pushDescribed pushes what one property descriptor holds: its value,
	// or its getter and setter. A data descriptor always has its own
	// "value", an accessor descriptor never.
	pushDescribed := func(d goja.Value) {
		desc := d.ToObject(rt)
		if v := desc.Get("value"); v != nil {
			push(v)
			return
		}
		push(desc.Get("get"))
		push(desc.Get("set"))
	}
	for len(todo) > 0 {
		obj := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[obj] {
			continue
		}
		seen[obj] = true
		if _, err := freeze(goja.Undefined(), obj); err != nil {
			return err
		}
		if _, err := add(hardened, obj); err != nil {
			return err
		}
		if proto := obj.Prototype(); proto != nil {
			push(proto)
		}
		// The descriptors object has every own key of obj, strings and
		// symbols, as an enumerable data property.
		ds, err := descriptors(goja.Undefined(), obj)
		if err != nil {
			return err
		}
		descs := ds.ToObject(rt)
		for _, key := range descs.Keys() {
			pushDescribed(descs.Get(key))
		}
		for _, sym := range descs.Symbols() {
			pushDescribed(descs.GetSymbol(sym))
		}
	}
	return nil
}
