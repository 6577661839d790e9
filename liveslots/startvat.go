package liveslots

import (
	"errors"
	"fmt"

	"github.com/dop251/goja"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// bundleHead and bundleTail wrap a bundle (a script declaring
// `var __ocapVat = (() => {...})();`) into a function of the module
// resolver, so the bundle's top-level names stay local to it. The resolver
// is passed twice: as __ocap_require and as `require`, which esbuild's
// output for external imports looks for. The head adds no line, keeping the
// bundle's line numbers in stack traces.
const (
	bundleHead = `(function (__ocap_require, require) { "use strict"; `
	bundleTail = "\n; return __ocapVat; })"
)

// startVat evaluates the bundle and runs buildRootObject, whose result
// becomes the root object o+0.
func (v *Vat) startVat(s *workerpb.StartVat) error {
	if v.started || v.startErr != "" {
		return errors.New("liveslots: the vat was already started")
	}
	v.log = v.logger.With("vat", s.GetVatId(), "vatName", s.GetName())
	if s.GetSubclusterId() != "" {
		v.log = v.log.With("subcluster", s.GetSubclusterId())
	}
	err := v.startVatJS(s)
	if err != nil {
		v.startErr = err.Error()
		v.runTeardown() // a vat that did not start holds nothing
		return err
	}
	v.started = true
	return nil
}

func (v *Vat) startVatJS(s *workerpb.StartVat) error {
	if err := v.installEndowments(s); err != nil {
		return err
	}
	name := s.GetBundleName()
	if name == "" {
		name = s.GetName() + ".bundle.js"
	}
	v.bundleName, v.bundleSource = name, bundleHead+s.GetBundle()+bundleTail
	prog, err := goja.Compile(name, v.bundleSource, true)
	if err != nil {
		return fmt.Errorf("cannot compile bundle %s: %w", name, err)
	}
	buildFn, err := v.rt.RunProgram(prog)
	if err != nil {
		return fmt.Errorf("cannot evaluate bundle %s: %w", name, jsError(err))
	}
	if err := v.store.load(s.GetVatstore(), s.GetVatstorePartial()); err != nil {
		return err
	}
	_, err = v.jsStartVat(goja.Undefined(),
		buildFn,
		v.rt.ToValue(s.GetParameters().GetBody()),
		v.stringArray(s.GetParameters().GetSlots()))
	if err != nil {
		return fmt.Errorf("liveslots: startVat: %w", jsError(err))
	}
	return v.endCrank()
}
