package ocap_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/store/storetest"
)

// calc is a kernel service with every shape of method the reflection
// handles.
type calc struct{}

func (calc) Add(a, b float64) float64                   { return a + b }
func (calc) Fail(ctx context.Context) error             { return errors.New("calc failed on purpose") }
func (calc) Explode() string                            { panic("calc exploded") }
func (calc) Sum(xs ...int) int                          { return sumInts(xs) }
func (calc) Person(p person) string                     { return p.Name + " is " + strconv.Itoa(p.Age) }
func (calc) Lengths(m map[string]string) map[string]int { return lengths(m) }
func (calc) Echo(v any) any                             { return v }
func (calc) Me(ctx context.Context) (map[string]any, error) {
	return map[string]any{"name": "calc"}, nil
}

type person struct {
	Name string `json:"name"`
	Age  int    `json:"age"`
}

func sumInts(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

func lengths(m map[string]string) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}

var calcService = []ocap.KernelService{{Name: "calc", Object: calc{}}}

func TestKernelServices(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{KernelServices: calcService})
		res := e.launch("service-user.json")
		if got := mustDecode(t, res.BootstrapResult); got != "calc" {
			t.Fatalf("bootstrap saw services %v", got)
		}
		root := res.RootKref
		checks := []struct {
			method string
			args   []any
			want   any
		}{
			{"add", []any{2, 3}, 5.0},
			{"sum", []any{1, 2, 3, 4}, 10.0},
			{"sum", []any{}, 0.0},
			{"person", []any{map[string]any{"name": "Ada", "age": 36}}, "Ada is 36"},
			{"lengths", []any{map[string]any{"a": "xyz"}}, map[string]any{"a": 3.0}},
			{"echo", []any{[]any{"x", true, nil}}, []any{"x", true, nil}},
			{"me", nil, map[string]any{"name": "calc"}},
		}
		for _, c := range checks {
			got := e.mustCall(root, "call", append([]any{"calc", c.method}, c.args...)...)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("calc.%s%v = %#v, want %#v", c.method, c.args, got, c.want)
			}
		}
		failures := []struct {
			method, name, message string
			args                  []any
		}{
			{"add", "TypeError", `kernel service "calc": add argument 1: want a number, got a string`, []any{"x", 1}},
			{"add", "TypeError", `add expects 2 arguments, got 1`, []any{1}},
			{"sum", "TypeError", `sum argument 2: want int, got 1.5`, []any{1, 1.5}},
			{"person", "TypeError", `person argument 1`, []any{"not a record"}},
			{"nope", "TypeError", `kernel service "calc" has no method "nope"`, nil},
			{"fail", "Error", "calc failed on purpose", nil},
			{"explode", "Error", "explode panicked: calc exploded", nil},
		}
		for _, f := range failures {
			got := e.mustCall(root, "tryCall", append([]any{"calc", f.method}, f.args...)...).(map[string]any)
			if got["name"] != f.name || !strings.Contains(got["message"].(string), f.message) {
				t.Errorf("calc.%s%v rejected with %v, want %s containing %q", f.method, f.args, got, f.name, f.message)
			}
			if strings.Contains(got["message"].(string), "goroutine") {
				t.Errorf("calc.%s: a Go stack reached the vat: %q", f.method, got["message"])
			}
		}
		// The kernel survived the panic.
		if got := e.mustCall(root, "call", "calc", "add", 1, 1); got != 2.0 {
			t.Fatalf("after a panic, add = %v", got)
		}
	})
}

func TestServiceFuncMap(t *testing.T) {
	e := startKernel(t, "sqlite::memory:", ocap.Options{})
	err := e.k.RegisterKernelServiceObject("calc", map[string]ocap.ServiceFunc{
		"add": func(ctx context.Context, args []any) (any, error) {
			return args[0].(float64) + args[1].(float64), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	root := e.launch("service-user.json").RootKref
	if got := e.mustCall(root, "call", "calc", "add", 40, 2); got != 42.0 {
		t.Fatalf("add = %v", got)
	}
	got := e.mustCall(root, "tryCall", "calc", "sub", 1, 1).(map[string]any)
	if !strings.Contains(got["message"].(string), `has no method "sub", has [add]`) {
		t.Fatalf("missing method: %v", got)
	}
}

func TestLaunchRefusesUnknownAndSystemOnlyServices(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{KernelServices: calcService})
		for _, c := range []struct{ cluster, want string }{
			{`{"bootstrap":"user","services":["nope"],"vats":{"user":{"sourceSpec":"../vats/service-user.js"}}}`, `unknown kernel service "nope"`},
			{`{"bootstrap":"user","services":["calc","kernelFacet"],"vats":{"user":{"sourceSpec":"../vats/service-user.js"}}}`, `kernel service "kernelFacet" is only for system subclusters`},
		} {
			cfg, err := ocap.ParseClusterConfig([]byte(c.cluster), filepath.Join("testdata", "clusters"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.k.LaunchSubcluster(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("launch: %v, want %q", err, c.want)
			}
			if n := len(childWorkers(t)); n != 0 {
				t.Fatalf("a refused launch started %d workers", n)
			}
			st, err := e.k.GetStatus(context.Background())
			if err != nil || len(st.Subclusters) != 0 || len(st.Vats) != 0 {
				t.Fatalf("status after a refused launch: %+v, %v", st, err)
			}
		}
	})
}

func systemFacetUser(t *testing.T) []ocap.SystemSubclusterConfig {
	t.Helper()
	cfg, err := ocap.LoadClusterConfig("testdata/clusters/facet-user.json")
	if err != nil {
		t.Fatal(err)
	}
	return []ocap.SystemSubclusterConfig{{Name: "admin", Config: *cfg}}
}

func TestKernelFacet(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{KernelServices: calcService, SystemSubclusters: systemFacetUser(t)})
		admin, err := e.k.GetSystemSubclusterRoot("admin")
		if err != nil {
			t.Fatal(err)
		}
		facet := func(method string, args ...any) any {
			t.Helper()
			return e.mustCall(admin, "call", append([]any{"kernelFacet", method}, args...)...)
		}
		if got := facet("ping"); got != "pong" {
			t.Fatalf("ping = %v", got)
		}
		hello, err := filepath.Abs("testdata/vats/hello-alice.js")
		if err != nil {
			t.Fatal(err)
		}
		bob, _ := filepath.Abs("testdata/vats/hello-bob.js")
		launched := facet("launchSubcluster", map[string]any{
			"bootstrap": "alice",
			"vats": map[string]any{
				"alice": map[string]any{"sourceSpec": hello},
				"bob":   map[string]any{"sourceSpec": bob, "parameters": map[string]any{"name": "Facet Bob"}},
			},
		}).(map[string]any)
		id, rootKref := launched["subclusterId"].(string), launched["rootKref"].(string)
		if id == "" || !strings.HasPrefix(rootKref, "ko") {
			t.Fatalf("launchSubcluster = %v", launched)
		}
		if got := facet("queueMessage", rootKref, "hello", []any{"facet"}); got != "hello facet, from Facet Bob" {
			t.Fatalf("queueMessage = %v", got)
		}
		presence := facet("getPresence", rootKref, "Alleged: root")
		if ref, ok := presence.(marshal.Ref); !ok || ref.Kref != rootKref {
			t.Fatalf("getPresence = %#v", presence)
		}
		if got := facet("queueMessage", presence, "hello", []any{"presence"}); got != "hello presence, from Facet Bob" {
			t.Fatalf("queueMessage to a presence = %v", got)
		}
		status := facet("getStatus").(map[string]any)
		if len(status["vats"].([]any)) != 3 || len(status["subclusters"].([]any)) != 2 {
			t.Fatalf("getStatus = %v", status)
		}
		if subs := facet("getSubclusters").([]any); len(subs) != 2 {
			t.Fatalf("getSubclusters = %v", subs)
		}
		if sc := facet("getSubcluster", id).(map[string]any); sc["id"] != id || sc["rootKref"] != rootKref {
			t.Fatalf("getSubcluster = %v", sc)
		}
		if got := facet("getSystemSubclusterRoot", "admin"); got != admin {
			t.Fatalf("getSystemSubclusterRoot = %v, want %s", got, admin)
		}
		if got := facet("pingVat", "v2"); got != "pong" {
			t.Fatalf("pingVat = %v", got)
		}
		got := e.mustCall(admin, "tryCall", "kernelFacet", "launchSubcluster", map[string]any{"bootstrap": "x", "vats": map[string]any{}}).(map[string]any)
		if !strings.Contains(got["message"].(string), "cluster config has no vats") {
			t.Fatalf("a bad config from a vat: %v", got)
		}
		// terminateVat ends bob alone: alice, asking him, hears why.
		vats := facet("getSubcluster", id).(map[string]any)["vats"].([]any)
		facet("terminateVat", vats[1])
		if _, err := e.call(rootKref, "hello", "again"); err == nil || !strings.Contains(err.Error(), "VAT_TERMINATED") {
			t.Fatalf("alice after terminateVat of bob: %v", err)
		}
		if left := facet("getSubcluster", id).(map[string]any)["vats"].([]any); len(left) != 1 || left[0] != vats[0] {
			t.Fatalf("the subcluster's vats after terminateVat(%v): %v", vats[1], left)
		}
		facet("terminateSubcluster", id)
		if subs := facet("getSubclusters").([]any); len(subs) != 1 {
			t.Fatalf("after terminateSubcluster: %v", subs)
		}
		// reset wipes everything, the calling vat included.
		_, _ = e.call(admin, "call", "kernelFacet", "reset")
		waitFor(t, patience, "reset to stop every vat", func() bool {
			st, err := e.k.GetStatus(context.Background())
			return err == nil && len(st.Subclusters) == 0 && len(st.Vats) == 0
		})
	})
}

func TestSystemSubclusterRestoredNotRelaunched(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{KernelServices: calcService, SystemSubclusters: systemFacetUser(t)})
		root, err := e.k.GetSystemSubclusterRoot("admin")
		if err != nil {
			t.Fatal(err)
		}
		e.restart()
		again, err := e.k.GetSystemSubclusterRoot("admin")
		if err != nil || again != root {
			t.Fatalf("after restart: root %q, %v; want %q", again, err, root)
		}
		if got := e.mustCall(root, "bootstraps"); got != 1.0 {
			t.Fatalf("bootstraps after restart = %v, want 1", got)
		}
		if got := e.mustCall(root, "call", "calc", "add", 1, 2); got != 3.0 {
			t.Fatalf("service from baggage after restart: %v", got)
		}
		// Dropped from the options: kept, with its state (nothing is
		// deleted implicitly).
		e.opts.SystemSubclusters = nil
		e.restart()
		if again, err := e.k.GetSystemSubclusterRoot("admin"); err != nil || again != root {
			t.Fatalf("an unlisted system subcluster after restart: root %q, %v; want it kept as %q", again, err, root)
		}
		if got := e.mustCall(root, "bootstraps"); got != 1.0 {
			t.Fatalf("bootstraps of a kept system subcluster = %v, want 1", got)
		}
		// Pruned on purpose: terminated at start-up.
		e.opts.PruneSystemSubclusters = true
		e.restart()
		if _, err := e.k.GetSystemSubclusterRoot("admin"); err == nil {
			t.Fatal("a pruned system subcluster is still there")
		}
		st, _ := e.k.GetStatus(context.Background())
		if len(st.Subclusters) != 0 {
			t.Fatalf("status after pruning: %+v", st)
		}
	})
}

func TestCallsWaitForALateService(t *testing.T) {
	e := startKernel(t, storetest.SQLiteURL(t), ocap.Options{KernelServices: calcService})
	root := e.launch("service-user.json").RootKref
	e.opts.KernelServices = nil
	e.restart()
	done := make(chan any, 1)
	go func() {
		v, err := e.call(root, "call", "calc", "add", 20, 22)
		if err != nil {
			done <- err
			return
		}
		done <- v
	}()
	// Once the kernel has stored the message for the missing service (the
	// keeper's svcwait.<kref>.<n>), the call can only wait.
	waitFor(t, patience, "the call to be parked for the missing service", func() bool {
		parked := 0
		err := e.db.Scan(context.Background(), "svcwait.ko", func(string, string) error { parked++; return nil })
		return err == nil && parked > 0
	})
	select {
	case v := <-done:
		t.Fatalf("the call settled before its service was registered: %v", v)
	default:
	}
	if err := e.k.RegisterKernelServiceObject("calc", calc{}); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-done:
		if v != 42.0 {
			t.Fatalf("late service answered %v", v)
		}
	case <-time.After(patience):
		t.Fatal("the call never settled after the service was registered")
	}
}

func TestRevocation(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		root := e.launch("hello.json").RootKref
		bob, ok := e.mustCall(root, "getBob").(marshal.Ref)
		if !ok {
			t.Fatal("getBob did not return a presence")
		}
		ctx := context.Background()
		if revoked, err := e.k.IsRevoked(ctx, bob.Kref); err != nil || revoked {
			t.Fatalf("IsRevoked before = %v, %v", revoked, err)
		}
		if err := e.k.Revoke(ctx, bob.Kref); err != nil {
			t.Fatal(err)
		}
		want := "[KERNEL:OBJECT_REVOKED] object " + bob.Kref + " has been revoked"
		if _, err := e.call(root, "hello", "x"); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("alice calling revoked bob: %v", err)
		}
		if _, err := e.call(bob.Kref, "greet", "host"); err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, ocap.ErrObjectRevoked) {
			t.Fatalf("host calling revoked bob: %v", err)
		}
		if revoked, _ := e.k.IsRevoked(ctx, root); revoked {
			t.Fatal("alice was revoked too")
		}
		e.restart()
		if revoked, err := e.k.IsRevoked(ctx, bob.Kref); err != nil || !revoked {
			t.Fatalf("revocation did not persist: %v, %v", revoked, err)
		}
		for _, bad := range []string{"ko", "kofoo", "ko999999", "kp1", ""} {
			if err := e.k.Revoke(ctx, bad); !errors.Is(err, ocap.ErrUnknownKref) {
				t.Errorf("Revoke(%q) = %v", bad, err)
			}
		}
	})
}

func TestForceResetRelaunchesFromScratch(t *testing.T) {
	cfg, err := ocap.LoadClusterConfig("testdata/clusters/hello.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg.ForceReset = true
	e := startKernel(t, storetest.SQLiteURL(t), ocap.Options{SystemSubclusters: []ocap.SystemSubclusterConfig{{Name: "hello", Config: *cfg}}})
	first, err := e.k.GetSystemSubclusterRoot("hello")
	if err != nil {
		t.Fatal(err)
	}
	e.restart()
	second, err := e.k.GetSystemSubclusterRoot("hello")
	if err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Fatalf("forceReset kept the old root %s", first)
	}
	counts := e.mustCall(second, "counts").(map[string]any)
	if counts["starts"] != 1.0 || counts["bootstraps"] != 1.0 {
		t.Fatalf("after forceReset: %v, want a fresh vat (1 start, 1 bootstrap)", counts)
	}
	if _, err := e.call(first, "counts"); err == nil || !strings.Contains(err.Error(), "VAT_TERMINATED") {
		t.Fatalf("the old root after forceReset: %v", err)
	}
	st, _ := e.k.GetStatus(context.Background())
	if len(st.Subclusters) != 1 || len(st.Vats) != 2 {
		t.Fatalf("status after forceReset: %+v", st)
	}
}
