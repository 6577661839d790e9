package endowments

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/internal/testutil"
)

// testVat is a bare goja runtime with endowments installed and a minimal
// event loop: queued callbacks run on the test goroutine, each as its own
// top-level call, so goja drains promise jobs after each (as liveslots
// does).
type testVat struct {
	t     *testing.T
	rt    *goja.Runtime
	end   *Endowments
	logs  *logBuffer
	mu    sync.Mutex
	queue []func()
	ready chan struct{}
	stop  bool
	run   goja.Callable
	cur   func()
}

type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newTestVat(t *testing.T, names []string, platformConfig string, tweak ...func(*Config)) *testVat {
	t.Helper()
	v, err := tryTestVat(t, names, platformConfig, tweak...)
	if err != nil {
		t.Fatalf("Make: %v", err)
	}
	return v
}

func tryTestVat(t *testing.T, names []string, platformConfig string, tweak ...func(*Config)) (*testVat, error) {
	t.Helper()
	v := &testVat{t: t, rt: goja.New(), logs: &logBuffer{}, ready: make(chan struct{}, 1)}
	fn, _ := goja.AssertFunction(v.rt.ToValue(func(goja.FunctionCall) goja.Value {
		v.cur()
		return goja.Undefined()
	}))
	v.run = fn
	cfg := Config{
		VatID:          "v1",
		Runtime:        v.rt,
		Names:          names,
		PlatformConfig: []byte(platformConfig),
		Enqueue:        v.enqueue,
		Logger:         hclog.New(&hclog.LoggerOptions{Output: v.logs, Level: hclog.Debug}),
	}
	for _, f := range tweak {
		f(&cfg)
	}
	end, err := Make(cfg)
	if err != nil {
		return nil, err
	}
	v.end = end
	t.Cleanup(v.teardown)
	for _, n := range names {
		g, ok := end.Globals[n]
		if !ok {
			t.Fatalf("no global %s", n)
		}
		if err := v.rt.Set(n, g); err != nil {
			t.Fatal(err)
		}
	}
	return v, nil
}

func (v *testVat) teardown() {
	v.mu.Lock()
	v.stop = true
	v.queue = nil
	v.mu.Unlock()
	v.end.Teardown()
}

func (v *testVat) enqueue(fn func()) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.stop {
		return false
	}
	v.queue = append(v.queue, fn)
	select {
	case v.ready <- struct{}{}:
	default:
	}
	return true
}

// turn runs the callbacks queued so far; it reports whether there were any.
func (v *testVat) turn() bool {
	v.mu.Lock()
	q := v.queue
	v.queue = nil
	v.mu.Unlock()
	for _, fn := range q {
		v.cur = fn
		if _, err := v.run(goja.Undefined()); err != nil {
			v.t.Errorf("callback: %v", err)
		}
	}
	return len(q) > 0
}

// spin runs the loop until cond holds or limit passes.
func (v *testVat) spin(limit time.Duration, cond func() bool) bool {
	deadline := time.After(limit)
	for !cond() {
		if v.turn() {
			continue
		}
		select {
		case <-v.ready:
		case <-time.After(5 * time.Millisecond): // cond may depend on something else
		case <-deadline:
			return cond()
		}
	}
	return true
}

// eval runs a script synchronously and returns its value.
func (v *testVat) eval(src string) goja.Value {
	v.t.Helper()
	val, err := v.rt.RunString(src)
	if err != nil {
		v.t.Fatalf("%s\n%v", src, err)
	}
	return val
}

// await runs body (statements of an async function, which may await)
// with the event loop until its promise settles, and returns the value
// as a string: `ok: <String(value)>` or `error: <String(reason)>`.
func (v *testVat) await(body string) string {
	v.t.Helper()
	p, ok := v.eval("(async () => {\n" + body + "\n})()").Export().(*goja.Promise)
	if !ok {
		v.t.Fatal("not a promise")
	}
	if !v.spin(testutil.Patience, func() bool { return p.State() != goja.PromiseStatePending }) {
		v.t.Fatalf("promise did not settle:\n%s", body)
	}
	if p.State() == goja.PromiseStateRejected {
		return "error: " + p.Result().String()
	}
	return "ok: " + p.Result().String()
}

// expect checks await(body) against want.
func (v *testVat) expect(body, want string) {
	v.t.Helper()
	if got := v.await(body); got != want {
		v.t.Errorf("%s\n got  %s\n want %s", body, got, want)
	}
}
