package liveslots

import (
	"fmt"
	"slices"

	"github.com/dop251/goja"

	"github.com/ocapgo/ocap/endowments"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// endowments.go installs the globals a vat asked for (its config's
// globals) before its bundle runs, and tears them down when the vat stops.

// Option configures New.
type Option func(*Vat)

// WithEndowments replaces the endowment factory, endowments.Make by
// default: the supervisor's MakeAllowedGlobals.
func WithEndowments(f endowments.Factory) Option {
	return func(v *Vat) {
		if f != nil {
			v.makeGlobals, v.knownGlobals = f, nil
		}
	}
}

func unknownGlobal(vatID, name string) error {
	return fmt.Errorf(`Vat "%s" requested unknown global "%s"`, vatID, name)
}

// installEndowments checks the requested names against the kernel's
// allowlist, builds them with the factory and defines each, hardened, on
// the global object. A name the factory does not offer fails the start
// like a disallowed one.
func (v *Vat) installEndowments(s *workerpb.StartVat) error {
	names := s.GetGlobals()
	if len(names) == 0 {
		return nil
	}
	// Refused names are reported before anything is built, in the order
	// asked: with the default factory, whose names are known, an unknown
	// one is reported rather than, say, fetch's missing allowlist.
	for _, n := range names {
		if (s.GetAllowedGlobalsSet() && !slices.Contains(s.GetAllowedGlobals(), n)) ||
			(v.knownGlobals != nil && !slices.Contains(v.knownGlobals, n)) {
			return unknownGlobal(s.GetVatId(), n)
		}
	}
	cfg := endowments.Config{
		VatID:          s.GetVatId(),
		Runtime:        v.rt,
		Names:          slices.Clone(names),
		PlatformConfig: []byte(s.GetPlatformConfigJson()),
		Enqueue:        v.loop.enqueue,
		Logger:         v.log,
	}
	if s.GetFetchAllowedHostsSet() {
		cfg.FetchAllowedHosts = append([]string{}, s.GetFetchAllowedHosts()...)
	}
	end, err := v.callFactory(cfg)
	if err != nil {
		return err
	}
	v.teardown = end.Teardown
	for _, n := range names {
		if g, ok := end.Globals[n]; !ok || g == nil {
			return unknownGlobal(s.GetVatId(), n)
		}
	}
	for _, n := range names {
		if _, err := v.jsInstallGlobal(goja.Undefined(), v.rt.ToValue(n), end.Globals[n]); err != nil {
			return fmt.Errorf("installing the global %q: %w", n, jsError(err))
		}
	}
	return nil
}

// callFactory runs the factory, which may be a host's own: a panic or a
// missing result becomes an error.
func (v *Vat) callFactory(cfg endowments.Config) (end *endowments.Endowments, err error) {
	defer func() {
		if r := recover(); r != nil {
			end, err = nil, fmt.Errorf("the endowment factory panicked: %v", r)
		}
	}()
	end, err = v.makeGlobals(cfg)
	if err == nil && end == nil {
		err = fmt.Errorf("the endowment factory returned no endowments")
	}
	return end, err
}

// runTeardown stops the event loop and releases every endowment: timers,
// requests, body streams. It runs once.
func (v *Vat) runTeardown() {
	v.loop.close()
	td := v.teardown
	v.teardown = nil
	if td == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			v.log.Error("an endowment teardown panicked", "panic", fmt.Sprint(r))
		}
	}()
	td()
}
