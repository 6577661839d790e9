package router_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/router"
	"github.com/ocapgo/ocap/store"
)

// These tests run the router over an in-memory SQLite store and the fake
// platform of package platformtest: every vat is a Go function answering
// deliveries with syscalls, every fault is scripted. Tests wait on
// channels, on the run queue's order, or poll for a condition; none bounds
// how long the kernel takes: the liveness limits below only keep a broken
// router from hanging the test run.

// liveness bounds every call a test makes into the router: far above what a
// crank takes, it only turns a hang into a failure.
const liveness = 2 * time.Minute

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), liveness)
	t.Cleanup(cancel)
	return ctx
}

// harness is one kernel under test: a store, the fake platform, and the
// router currently running over them (a restart makes a new one over the
// same store and platform, as a new kernel process would).
type harness struct {
	t        *testing.T
	ctx      context.Context
	st       store.Store
	l        *platformtest.Launcher
	cfg      router.Config
	r        *router.Router
	services []serviceReg
	spec     router.SubclusterSpec // scratch, for table tests
}

type serviceReg struct {
	name       string
	h          router.ServiceHandler
	systemOnly bool
}

// newHarness opens a fresh store and starts a router over it; mods adjust
// the router's Config (Store, Launcher and Logger are set by the harness).
func newHarness(t *testing.T, mods ...func(*router.Config)) *harness {
	t.Helper()
	return newHarnessOn(t, "sqlite::memory:", mods...)
}

// forEachStoreHarness runs fn in parallel with other tests, once on each
// store (testutil.ForEachStore), each time with a fresh harness over it.
func forEachStoreHarness(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Parallel()
	testutil.ForEachStore(t, func(t *testing.T, url string) { fn(t, newHarnessOn(t, url)) })
}

// newHarnessOn is newHarness over the store at url.
func newHarnessOn(t *testing.T, url string, mods ...func(*router.Config)) *harness {
	t.Helper()
	ctx := testCtx(t)
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	h := &harness{t: t, ctx: ctx, st: st, l: platformtest.New()}
	t.Cleanup(func() { _ = h.l.Close() })
	for _, m := range mods {
		m(&h.cfg)
	}
	h.start()
	return h
}

// start makes a router over the harness's store, registers the services
// and restores what the store holds, as ocap.Make does.
func (h *harness) start() {
	h.t.Helper()
	h.newRouter()
	if err := h.r.Restore(h.ctx); err != nil {
		h.t.Fatalf("Restore: %v", err)
	}
}

// newRouter makes a router and registers the services, without Restore.
func (h *harness) newRouter() {
	h.t.Helper()
	cfg := h.cfg
	cfg.Store, cfg.Launcher, cfg.Logger = h.st, h.l, testutil.Logger(h.t)
	r := router.New(cfg)
	h.r = r
	h.t.Cleanup(func() { h.stopRouter(r) })
	for _, s := range h.services {
		if _, err := r.RegisterService(h.ctx, s.name, s.h, s.systemOnly); err != nil {
			h.t.Fatalf("RegisterService(%s): %v", s.name, err)
		}
	}
}

// stopRouter stops r. A router stuck in a delivery that never ends (a test
// of a pending rule) is freed by killing every fake worker.
func (h *harness) stopRouter(r *router.Router) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Stop(ctx); err == nil {
		return
	}
	h.t.Errorf("the router did not stop within 30s; killing every worker to free it")
	_ = h.l.Close()
	waitStopped(h.t, r)
}

// waitStopped waits for r's loop to have ended (its calls fail with ErrStopped).
func waitStopped(t *testing.T, r *router.Router) {
	t.Helper()
	testutil.WaitFor(t, liveness, "the router's loop to end", func() bool {
		_, _, err := r.Status(context.Background())
		return errors.Is(err, router.ErrStopped)
	})
}

// restart stops the router and starts a new one over the same store.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.r.Stop(h.ctx); err != nil {
		h.t.Fatalf("Stop: %v", err)
	}
	h.start()
}

// service registers a kernel service now and after every restart.
func (h *harness) service(name string, handler router.ServiceHandler, systemOnly bool) string {
	h.t.Helper()
	h.services = append(h.services, serviceReg{name, handler, systemOnly})
	kref, err := h.r.RegisterService(h.ctx, name, handler, systemOnly)
	if err != nil {
		h.t.Fatalf("RegisterService(%s): %v", name, err)
	}
	return kref
}

// launched is a subcluster the harness launched: its id, its bootstrap
// vat's root, and the root kref of every vat by name (the standard
// bootstrap returns them).
type launched struct {
	ID    string
	Root  string
	Roots map[string]string
}

func (h *harness) launch(spec router.SubclusterSpec) launched {
	h.t.Helper()
	res, err := h.r.Launch(h.ctx, spec)
	if err != nil {
		h.t.Fatalf("Launch: %v", err)
	}
	out := launched{ID: res.SubclusterID, Root: res.RootKref, Roots: map[string]string{}}
	v, err := res.BootstrapResult.Unmarshal()
	if err != nil {
		h.t.Fatalf("decoding the bootstrap result: %v", err)
	}
	if rec, ok := v.(map[string]any); ok {
		for name, ref := range rec {
			if r, ok := ref.(marshal.Ref); ok {
				out.Roots[name] = r.Kref
			}
		}
	}
	return out
}

// rejection is a call's result promise rejected with an Error.
type rejection struct{ msg string }

func (e *rejection) Error() string { return e.msg }

// call sends method(args) to kref as the host and waits for the result; a
// rejection is a *rejection error whose text is the Error's message (or
// the rejected value's form).
func (h *harness) call(kref, method string, args ...any) (any, error) {
	h.t.Helper()
	return h.callQuiet(kref, method, args...)
}

// callQuiet is call without t.Helper.
func (h *harness) callQuiet(kref, method string, args ...any) (any, error) {
	return callOn(h.ctx, h.r, kref, method, args...)
}

// callOn is call on a given router, from any goroutine.
func callOn(ctx context.Context, r *router.Router, kref, method string, args ...any) (any, error) {
	s, err := r.QueueMessage(ctx, kref, methargs(method, args...))
	if err != nil {
		return nil, err
	}
	v, err := s.Data.Unmarshal()
	if err != nil {
		return nil, fmt.Errorf("decoding the result (%s): %w", s.Data.Body, err)
	}
	if s.Rejected {
		if me, ok := v.(*marshal.Error); ok {
			return nil, &rejection{me.Message}
		}
		return nil, &rejection{fmt.Sprintf("rejected with %#v", v)}
	}
	return v, nil
}

func (h *harness) mustCall(kref, method string, args ...any) any {
	h.t.Helper()
	v, err := h.call(kref, method, args...)
	if err != nil {
		h.t.Fatalf("%s.%s: %v", kref, method, err)
	}
	return v
}

// rejects calls method and requires a rejection whose message holds every
// one of want; it returns the message.
func (h *harness) rejects(kref, method string, args []any, want ...string) string {
	h.t.Helper()
	v, err := h.call(kref, method, args...)
	var rej *rejection
	if !errors.As(err, &rej) {
		h.t.Fatalf("%s.%s: want a rejection holding %q, got %#v, %v", kref, method, want, v, err)
	}
	for _, w := range want {
		if !strings.Contains(rej.msg, w) {
			h.t.Fatalf("%s.%s rejected with %q, which lacks %q", kref, method, rej.msg, w)
		}
	}
	return rej.msg
}

// vatIDs maps the names of the live vats of a subcluster to their ids.
func (h *harness) vatIDs(subcluster string) map[string]string {
	h.t.Helper()
	vats, _, err := h.r.Status(h.ctx)
	if err != nil {
		h.t.Fatalf("Status: %v", err)
	}
	out := map[string]string{}
	for _, v := range vats {
		if v.SubclusterID == subcluster {
			out[v.Name] = v.ID
		}
	}
	return out
}

// status lists the live vat ids and subcluster ids.
func (h *harness) status() (vats, subclusters []string) {
	h.t.Helper()
	vs, scs, err := h.r.Status(h.ctx)
	if err != nil {
		h.t.Fatalf("Status: %v", err)
	}
	for _, v := range vs {
		vats = append(vats, v.ID)
	}
	for _, s := range scs {
		subclusters = append(subclusters, s.ID)
	}
	return vats, subclusters
}

// requireTerminated checks that vat id is gone: not in the status, its
// worker dead, and its root answering VAT_TERMINATED with reason.
func (h *harness) requireTerminated(id, root string, reason ...string) {
	h.t.Helper()
	vats, _ := h.status()
	if slices.Contains(vats, id) {
		h.t.Fatalf("vat %s is still listed: %v", id, vats)
	}
	// Workers are killed off the crank loop: wait for it.
	testutil.WaitFor(h.t, liveness, "vat "+id+"'s worker to be killed", func() bool {
		return !slices.Contains(h.l.Live(), id)
	})
	want := append([]string{"[KERNEL:VAT_TERMINATED] vat " + id + " was terminated"}, reason...)
	h.rejects(root, "hello", nil, want...)
}

func methargs(method string, args ...any) marshal.CapData {
	return platformtest.Methargs(method, args...)
}

// ref passes a kref as a capability argument.
func ref(kref string) marshal.Ref { return marshal.Ref{Kref: kref} }

// refOf reads the kref of a capability the host got back, or fails.
func refOf(t *testing.T, v any) string {
	t.Helper()
	r, ok := v.(marshal.Ref)
	if !ok {
		t.Fatalf("want a capability, got %#v", v)
	}
	return r.Kref
}

// field reads a capability from a record the host got back.
func field(t *testing.T, v any, name string) string {
	t.Helper()
	rec, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("want a record, got %#v", v)
	}
	return refOf(t, rec[name])
}

func vatSpec(name string) router.VatSpec {
	return router.VatSpec{Name: name, Script: name, BundleHash: name, BundleName: name + ".js"}
}

// cluster is a subcluster of the named vats, the first one bootstrapping.
func cluster(names ...string) router.SubclusterSpec {
	spec := router.SubclusterSpec{Bootstrap: names[0]}
	for _, n := range names {
		spec.Vats = append(spec.Vats, vatSpec(n))
	}
	return spec
}

// defineVat defines a test vat whose bundle is its name. Its root object
// answers the standard methods below; extra (may be nil) adds the test's
// own, and may override them.
//
//	bootstrap(vats, services)   keeps both in baggage, returns vats (root krefs by name)
//	hello()                     returns "<name> says hello"
//	relay(target, method, ...)  sends method(...) to target, returns its result
//	service(name, method, ...)  sends method(...) to a service bootstrap got
//
// Bootstrap keeps each service's vref at vatstore key "service.<name>"
// and each vat's at "vat.<name>", as a vat keeps them in baggage: imports
// survive a restart, bootstrap is not called again.
func defineVat(l *platformtest.Launcher, name string, extra func(v *platformtest.Vat)) {
	l.Define(name, func(v *platformtest.Vat) error {
		v.Root().
			On("bootstrap", func(c *platformtest.Call) {
				for prefix, arg := range map[string]any{"vat.": c.Arg(0), "service.": c.Arg(1)} {
					rec, _ := arg.(map[string]any)
					for n, r := range rec {
						c.Set(prefix+n, r.(marshal.Ref).Kref)
					}
				}
				c.Return(c.Arg(0))
			}).
			On("hello", func(c *platformtest.Call) { c.Return(name + " says hello") }).
			On("relay", func(c *platformtest.Call) {
				method, _ := c.Arg(1).(string)
				c.Return(platformtest.Ref(c.Send(c.Arg(0), method, c.Args[2:]...)))
			}).
			On("service", func(c *platformtest.Call) {
				svc, ok := c.Get(fmt.Sprintf("service.%v", c.Arg(0)))
				if !ok {
					c.Throw("Error", fmt.Sprintf("no service %v", c.Arg(0)))
					return
				}
				method, _ := c.Arg(1).(string)
				c.Return(platformtest.Ref(c.Send(svc, method, c.Args[2:]...)))
			})
		if extra != nil {
			extra(v)
		}
		return nil
	})
}

// pendingCall is a host call running in the background.
type pendingCall struct {
	done chan struct{}
	v    any
	err  error
}

// goCall makes a call in the background; wait gives its outcome.
func (h *harness) goCall(kref, method string, args ...any) *pendingCall {
	p := &pendingCall{done: make(chan struct{})}
	ctx, r := h.ctx, h.r // a restart replaces h.r
	go func() {
		defer close(p.done)
		p.v, p.err = callOn(ctx, r, kref, method, args...)
	}()
	return p
}

func (p *pendingCall) wait() (any, error) {
	<-p.done
	return p.v, p.err
}

func contains(err error, s string) bool {
	return err != nil && strings.Contains(err.Error(), s)
}
