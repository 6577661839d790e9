package router_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/router"
)

// callLog records the calls a test service got.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(method string, args []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, fmt.Sprintf("%s%v", method, args))
}

func (l *callLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

// A vat calls a kernel service it got in bootstrap: the handler gets the
// method and decoded arguments, and its result, error or panic settles the
// vat's promise. The host may call a service's kref directly too.
func TestServiceCalls(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var log callLog
	kref := h.service("greeter", func(ctx context.Context, method string, args []any) (any, error) {
		log.add(method, args)
		switch method {
		case "greet":
			return fmt.Sprintf("hi %v", args[0]), nil
		case "fail":
			return nil, errors.New("no greeting today")
		case "failJS":
			return nil, &marshal.Error{Name: "RangeError", Message: "out of greetings"}
		case "panic":
			panic("the greeter broke")
		case "echo":
			return args[0], nil
		case "forge":
			return marshal.Ref{Kref: "ko999"}, nil
		case "unpassable":
			return make(chan int), nil
		}
		return nil, fmt.Errorf("no method %s", method)
	}, false)
	defineVat(h.l, "alice", nil)
	defineVat(h.l, "bob", nil)
	spec := cluster("alice", "bob")
	spec.Services = []string{"greeter"}
	sc := h.launch(spec)

	if got := h.mustCall(sc.Root, "service", "greeter", "greet", "bob"); got != "hi bob" {
		t.Fatalf("greet = %v", got)
	}
	h.rejects(sc.Root, "service", []any{"greeter", "fail"}, "no greeting today")
	s, err := h.r.QueueMessage(h.ctx, sc.Root, methargs("service", "greeter", "failJS"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Data.Unmarshal(); !s.Rejected || v.(*marshal.Error).Name != "RangeError" {
		t.Fatalf("a JavaScript-style error from a service settled as %+v", s)
	}
	h.rejects(sc.Root, "service", []any{"greeter", "panic"}, `kernel service "greeter": panic panicked: the greeter broke`)
	h.rejects(sc.Root, "service", []any{"greeter", "forge"}, "ko999")
	h.rejects(sc.Root, "service", []any{"greeter", "unpassable"}, "cannot be passed")
	// A capability goes through a service and stays usable.
	bob := refOf(t, h.mustCall(sc.Root, "service", "greeter", "echo", ref(sc.Roots["bob"])))
	if bob != sc.Roots["bob"] {
		t.Fatalf("bob's root came back as %s, not %s", bob, sc.Roots["bob"])
	}
	h.mustCall(bob, "hello")
	// The host calls the service itself.
	if got := h.mustCall(kref, "greet", "host"); got != "hi host" {
		t.Fatalf("greet from the host = %v", got)
	}
	want := fmt.Sprint([]string{"greet[bob]", "fail[]", "failJS[]", "panic[]", "forge[]", "unpassable[]", "echo[{" + sc.Roots["bob"] + " }]", "greet[host]"})
	if got := fmt.Sprint(log.list()); got != want {
		t.Fatalf("the service got %s\nwant %s", got, want)
	}
}

// A service call runs outside the crank loop: a slow one holds up no vat.
func TestSlowServiceHoldsUpNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	entered, release := make(chan struct{}), make(chan struct{})
	h.service("slow", func(ctx context.Context, method string, args []any) (any, error) {
		close(entered)
		<-release
		return "at last", nil
	}, false)
	defineVat(h.l, "alice", nil)
	defineVat(h.l, "bob", nil)
	spec := cluster("alice", "bob")
	spec.Services = []string{"slow"}
	sc := h.launch(spec)
	call := h.goCall(sc.Root, "service", "slow", "wait")
	<-entered
	h.mustCall(sc.Roots["bob"], "hello")
	h.mustCall(sc.Root, "hello")
	close(release)
	if got, err := call.wait(); err != nil || got != "at last" {
		t.Fatalf("slow service call = %v, %v", got, err)
	}
}

// A launch may only name registered services, and system-only ones only
// from a system subcluster.
func TestLaunchChecksServices(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.service("priv", func(context.Context, string, []any) (any, error) { return "secret", nil }, true)
	defineVat(h.l, "alice", nil)

	spec := cluster("alice")
	spec.Services = []string{"nope"}
	if _, err := h.r.Launch(h.ctx, spec); !contains(err, `unknown kernel service "nope"`) {
		t.Fatalf("launch naming an unknown service: %v", err)
	}
	spec.Services = []string{"priv"}
	if _, err := h.r.Launch(h.ctx, spec); !contains(err, `kernel service "priv" is only for system subclusters`) {
		t.Fatalf("regular launch naming a system-only service: %v", err)
	}
	h.requireNothingLeft()

	spec.System, spec.Name = true, "sys"
	sc := h.launch(spec)
	if got := h.mustCall(sc.Root, "service", "priv", "get"); got != "secret" {
		t.Fatalf("system subcluster calling priv = %v", got)
	}
	id, root, ok, err := h.r.SystemSubcluster(h.ctx, "sys")
	if err != nil || !ok || id != sc.ID || root != sc.Root {
		t.Fatalf("SystemSubcluster(sys) = %s %s %v %v", id, root, ok, err)
	}
	if _, err := h.r.Launch(h.ctx, spec); !contains(err, `system subcluster "sys" already exists`) {
		t.Fatalf("second launch of sys: %v", err)
	}
}

// A service call in progress when the kernel stops is not repeated by the
// next kernel: its promise rejects, saying so.
func TestInterruptedServiceCallRejectedAfterRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var calls callLog
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	h.service("slow", func(ctx context.Context, method string, args []any) (any, error) {
		calls.add(method, args)
		if method == "wait" {
			close(entered)
			<-release // not ctx: the call must outlive the router that made it
		}
		return "done", nil
	}, false)
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		// call(method): calls slow.method and hands out its result promise.
		v.Root().On("call", func(c *platformtest.Call) {
			svc, _ := c.Get("service.slow") // kept in baggage by bootstrap
			p := c.Send(svc, c.Arg(0).(string))
			c.Return(map[string]any{"p": platformtest.Ref(p)})
		})
	})
	spec := cluster("alice")
	spec.Services = []string{"slow"}
	sc := h.launch(spec)
	p := field(t, h.mustCall(sc.Root, "call", "wait"), "p")
	<-entered
	h.restart()
	h.rejects(p, "anything", nil, `kernel service "slow": the kernel restarted while the call was in progress; it was not repeated`)
	if got := calls.list(); len(got) != 1 {
		t.Fatalf("the service was called %d times: %v", len(got), got)
	}
	// The service works for new calls.
	p2 := field(t, h.mustCall(sc.Root, "call", "quick"), "p")
	h.rejects(p2, "x", nil, `a string ("done")`) // waits for p2 to settle
	if got := fmt.Sprint(calls.list()); got != "[wait[] quick[]]" {
		t.Fatalf("calls: %s", got)
	}
}

// A message to a service that is not registered yet (a restored vat calling
// before the host registers it) waits, and is delivered once it is.
func TestServiceCallWaitsForRegistration(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Registered on this router only: the harness will not register it again.
	kref, err := h.r.RegisterService(h.ctx, "late", func(context.Context, string, []any) (any, error) { return "first kernel", nil }, false)
	if err != nil {
		t.Fatal(err)
	}
	senderVat(h.l, "bob")
	sc := h.launch(cluster("bob"))
	h.restart()
	i := int(h.mustCall(sc.Root, "send", ref(kref), "greet", "early").(float64))
	h.mustCall(sc.Root, "hello") // queued after the send: the send has met no handler
	if got := h.mustCall(sc.Root, "results").([]any)[i]; got != "pending" {
		t.Fatalf("a call to an unregistered service settled: %v", got)
	}
	again, err := h.r.RegisterService(h.ctx, "late", func(ctx context.Context, method string, args []any) (any, error) {
		return fmt.Sprintf("second kernel: %s%v", method, args), nil
	}, false)
	if err != nil || again != kref {
		t.Fatalf("re-registering late: %s, %v (first kref %s)", again, err, kref)
	}
	if got := h.settled(sc.Root, i); got != "second kernel: greet[early]" {
		t.Fatalf("the parked call settled with %v", got)
	}
}

// fakeIO opens io channels for Config.OpenIO and records what it did.
type fakeIO struct {
	mu    sync.Mutex
	log   []string
	fails bool
}

func (f *fakeIO) note(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, s)
}

func (f *fakeIO) list() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprint(f.log)
}

func (f *fakeIO) open(name string, config json.RawMessage, dir string) (router.ServiceHandler, func(), error) {
	f.mu.Lock()
	fails := f.fails
	f.mu.Unlock()
	if fails {
		return nil, nil, fmt.Errorf("io %q: cannot open", name)
	}
	f.note("open " + name + " " + string(config) + " in " + dir)
	h := func(ctx context.Context, method string, args []any) (any, error) {
		f.note(fmt.Sprintf("%s.%s%v", name, method, args))
		return method + " done", nil
	}
	return h, func() { f.note("close " + name) }, nil
}

// A subcluster's io channels are opened through Config.OpenIO as services
// its bootstrap gets under their names, reopened by Restore, and closed
// when the subcluster ends; a closed channel's kref answers that it is.
func TestIOChannels(t *testing.T) {
	t.Parallel()
	io := &fakeIO{}
	h := newHarness(t, func(c *router.Config) { c.OpenIO = io.open })
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		v.Root().On("getService", func(c *platformtest.Call) {
			vref, _ := c.Get("service." + c.Arg(0).(string))
			c.Return(platformtest.Ref(vref))
		})
	})
	spec := cluster("alice")
	spec.IO = map[string]json.RawMessage{"out": json.RawMessage(`{"type":"console"}`)}
	spec.Dir = "/cfg"
	sc := h.launch(spec)
	if got := h.mustCall(sc.Root, "service", "out", "write", "x"); got != "write done" {
		t.Fatalf("out.write = %v", got)
	}
	out := refOf(t, h.mustCall(sc.Root, "getService", "out"))
	h.restart()
	if got := h.mustCall(sc.Root, "service", "out", "read"); got != "read done" {
		t.Fatalf("out.read after a restart = %v", got)
	}
	if err := h.r.Terminate(h.ctx, sc.ID); err != nil {
		t.Fatal(err)
	}
	h.rejects(out, "write", []any{"y"}, `io channel "out" of subcluster `+sc.ID+" is closed")
	// Stopping the kernel (the restart) closes the channel; the next
	// kernel opens it again.
	want := `[open out {"type":"console"} in /cfg out.write[x] close out open out {"type":"console"} in /cfg out.read[] close out]`
	if got := io.list(); got != want {
		t.Fatalf("io did:  %s\nwant:    %s", got, want)
	}

	// A channel that cannot open fails the launch, leaving nothing.
	io.mu.Lock()
	io.fails = true
	io.mu.Unlock()
	if _, err := h.r.Launch(h.ctx, spec); !contains(err, `io "out": cannot open`) {
		t.Fatalf("launch with an io channel that cannot open: %v", err)
	}
	h.requireNothingLeft()
}

// A kernel without Config.OpenIO refuses subclusters with io channels.
func TestIOChannelsNeedOpenIO(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", nil)
	spec := cluster("alice")
	spec.IO = map[string]json.RawMessage{"out": json.RawMessage(`{}`)}
	if _, err := h.r.Launch(h.ctx, spec); !contains(err, "this kernel cannot open them") {
		t.Fatalf("launch with io and no OpenIO: %v", err)
	}
	h.requireNothingLeft()
}
