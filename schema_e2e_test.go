package ocap_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/router/keeper"
	"github.com/ocapgo/ocap/store"
)

// walkCalc is calc with one more method, Block, that runs until the
// kernel stops: a service call still in progress when it does.
type walkCalc struct {
	calc
	entered chan struct{}
}

func (w walkCalc) Block(ctx context.Context) error {
	select {
	case w.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

// TestStoreKeysFollowTheSchema runs a busy session over three kernels on
// one store (subclusters of every kind, pipelining, errors, a revoke, a
// vat restart, a terminate, calls parked for a service not registered
// yet, a call in progress at stop), then reads the store directly: every
// key must belong to a family of keeper.Schema.
func TestStoreKeysFollowTheSchema(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		ctx := context.Background()
		entered := make(chan struct{}, 1)
		calcSvc := ocap.KernelService{Name: "calc", Object: walkCalc{entered: entered}}
		lateSvc := ocap.KernelService{Name: "late", Object: calc{}}
		e := startKernel(t, url, ocap.Options{
			KernelServices:    []ocap.KernelService{calcSvc, lateSvc},
			SystemSubclusters: systemFacetUser(t),
		})

		// --- First kernel: launch everything, traffic of every kind.
		hello := e.launch("hello.json")
		if got := e.mustCall(hello.RootKref, "hello", "world"); got != "hello world, from Bob" {
			t.Fatalf("hello = %v", got)
		}
		pipe := e.launch("pipeline.json")
		if got := e.mustCall(pipe.RootKref, "pipeline"); !reflect.DeepEqual(got, []any{1.0, 2.0, 3.0}) {
			t.Fatalf("pipeline = %v", got)
		}
		e.mustCall(pipe.RootKref, "nested")
		e.mustCall(pipe.RootKref, "resultAsArgument")
		var re *ocap.RemoteError
		if _, err := e.call(pipe.RootKref, "pipelineRejected"); !errors.As(err, &re) {
			t.Fatalf("pipelineRejected: %v", err)
		}
		if _, err := e.call(pipe.RootKref, "relay", "throwSync"); !errors.As(err, &re) || re.Message != "sync boom" {
			t.Fatalf("relay throwSync: %v", err)
		}
		e.mustCall(pipe.RootKref, "callThrower", "throwAsync")

		svcUser := e.launch("service-user.json")
		if got := e.mustCall(svcUser.RootKref, "call", "calc", "add", 2, 3); got != 5.0 {
			t.Fatalf("calc.add = %v", got)
		}
		e.mustCall(svcUser.RootKref, "tryCall", "calc", "fail")
		walker := launchInline(t, e, "", map[string]any{
			"bootstrap": "walker",
			"services":  []string{"calc", "late"},
			"vats":      map[string]any{"walker": map[string]any{"sourceSpec": absPath(t, "testdata/vats/schema-walker.js")}},
		})
		if got := e.mustCall(walker.RootKref, "call", "late", "add", 1, 1); got != 2.0 {
			t.Fatalf("late.add = %v", got)
		}

		ioDir := t.TempDir()
		if err := os.WriteFile(filepath.Join(ioDir, "in.txt"), []byte("first line\nsecond line\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		ioSub := launchInline(t, e, ioDir, map[string]any{
			"bootstrap": "user",
			"io": map[string]any{
				"input":  map[string]any{"type": "file", "path": "in.txt", "direction": "in"},
				"output": map[string]any{"type": "file", "path": "out.txt", "direction": "out"},
			},
			"vats": map[string]any{"user": map[string]any{"sourceSpec": absPath(t, "testdata/vats/service-user.js")}},
		})
		if got := e.mustCall(ioSub.RootKref, "call", "input", "read"); got != "first line" {
			t.Fatalf("input.read = %v", got)
		}
		e.mustCall(ioSub.RootKref, "call", "output", "write", "from the schema walk")

		counter := e.launch("durable-counter.json")
		for i := 1; i <= 3; i++ {
			if got := e.mustCall(counter.RootKref, "increment"); got != float64(i) {
				t.Fatalf("increment %d = %v", i, got)
			}
		}

		// A vat restart: the holder's thing in the target is gone.
		holder := e.launch("durable-holder.json")
		e.mustCall(holder.RootKref, "keepThing", "thing")
		if got := e.mustCall(holder.RootKref, "callThing"); got != "thing" {
			t.Fatalf("callThing = %v", got)
		}
		_, targetVat := subclusterVats(t, e, holder.SubclusterID)
		if err := e.k.RestartVat(ctx, targetVat); err != nil {
			t.Fatal(err)
		}
		if _, err := e.call(holder.RootKref, "callThing"); err == nil || !strings.Contains(err.Error(), "OBJECT_DELETED") {
			t.Fatalf("callThing after the target restarted: %v", err)
		}
		e.mustCall(holder.RootKref, "callTarget", "again")

		// A revoke.
		bob, ok := e.mustCall(hello.RootKref, "getBob").(marshal.Ref)
		if !ok {
			t.Fatal("getBob did not return a presence")
		}
		if err := e.k.Revoke(ctx, bob.Kref); err != nil {
			t.Fatal(err)
		}
		if _, err := e.call(hello.RootKref, "hello", "x"); err == nil || !strings.Contains(err.Error(), "OBJECT_REVOKED") {
			t.Fatalf("hello through revoked bob: %v", err)
		}

		// The kernel facet, and a terminate.
		admin, err := e.k.GetSystemSubclusterRoot("admin")
		if err != nil {
			t.Fatal(err)
		}
		e.mustCall(admin, "call", "kernelFacet", "getStatus")
		if err := e.k.TerminateSubcluster(ctx, pipe.SubclusterID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.call(pipe.RootKref, "nested"); err == nil || !strings.Contains(err.Error(), "VAT_TERMINATED") {
			t.Fatalf("send to a terminated subcluster: %v", err)
		}

		// --- Second kernel, without calc: a call to it parks until it is
		// registered.
		e.opts.KernelServices = []ocap.KernelService{lateSvc}
		e.restart()
		if got := e.mustCall(counter.RootKref, "increment"); got != 4.0 {
			t.Fatalf("increment after restart = %v", got)
		}
		e.mustCall(hello.RootKref, "counts")
		e.mustCall(ioSub.RootKref, "call", "output", "write", "after a restart")
		parked := parkCall(t, e, svcUser, counter.RootKref, "call", "calc", "add", 20, 22)
		if err := e.k.RegisterKernelServiceObject("calc", walkCalc{entered: entered}); err != nil {
			t.Fatal(err)
		}
		if r := <-parked; r.err != nil || r.v != 42.0 {
			t.Fatalf("the parked call answered %v, %v", r.v, r.err)
		}
		pipe2 := e.launch("pipeline.json")
		e.mustCall(pipe2.RootKref, "pipeline")
		e.mustCall(holder.RootKref, "callTarget", "second kernel")

		// --- Third kernel, without late: more traffic, a call parked for
		// late, a call in progress in calc with a send queued on its
		// result; then stop.
		e.opts.KernelServices = []ocap.KernelService{calcSvc}
		e.restart()
		if got := e.mustCall(counter.RootKref, "increment"); got != 5.0 {
			t.Fatalf("increment after the second restart = %v", got)
		}
		e.mustCall(holder.RootKref, "callTarget", "third kernel") // (pipeline's alice forgets bob on restart)
		e.mustCall(svcUser.RootKref, "call", "calc", "add", 1, 2)
		left := []<-chan callResult{parkCall(t, e, walker, counter.RootKref, "call", "late", "add", 3, 4)}
		mark := len(e.logs.String())
		left = append(left, callAsync(e, walker.RootKref, "followUp", "calc", "block"))
		<-entered
		waitDelivery(t, e, mark, vatOf(t, e, walker.SubclusterID), "followUp")
		e.mustCall(counter.RootKref, "stats") // queued behind the followUp send
		e.close()
		for _, ch := range left {
			if r := <-ch; r.err == nil {
				t.Errorf("a call left waiting at stop answered %v", r.v)
			}
		}

		// --- The walk.
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		count := map[string]int{}
		var outside []string
		total := 0
		err = db.Scan(ctx, "", func(key, value string) error {
			total++
			if pattern, ok := keeper.Family(key); ok {
				count[pattern]++
			} else {
				outside = append(outside, key)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, p := range keeper.Schema {
			lines = append(lines, p+": "+strconv.Itoa(count[p]))
		}
		t.Logf("the walk saw %d keys, by family:\n\t%s", total, strings.Join(lines, "\n\t"))
		if total == 0 {
			t.Fatal("the store is empty after a busy session")
		}
		if len(outside) > 0 {
			sort.Strings(outside)
			t.Fatalf("%d keys outside the schema (keeper.Schema, router/keeper/doc.go):\n\t%s",
				len(outside), strings.Join(outside, "\n\t"))
		}
	})
}

type callResult struct {
	v   any
	err error
}

// callAsync sends method(args) to kref from a goroutine; the answer
// arrives on the channel. It does not touch e after it returns, so the
// kernel may be stopped while the call waits.
func callAsync(e *kernelEnv, kref, method string, args ...any) <-chan callResult {
	k := e.k
	ch := make(chan callResult, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := k.QueueMessage(ctx, kref, method, args)
		if err != nil {
			ch <- callResult{err: err}
			return
		}
		v, err := out.Unmarshal()
		ch <- callResult{v, err}
	}()
	return ch
}

// parkCall sends method(args) to the root of sub, whose vat passes it on
// to a service that is not registered, and returns once the kernel has
// parked it: after the vat's delivery, a call to another root (queued
// behind the vat's send to the service) has come back.
func parkCall(t *testing.T, e *kernelEnv, sub *ocap.SubclusterLaunchResult, other, method string, args ...any) <-chan callResult {
	t.Helper()
	mark := len(e.logs.String())
	ch := callAsync(e, sub.RootKref, method, args...)
	waitDelivery(t, e, mark, vatOf(t, e, sub.SubclusterID), method)
	e.mustCall(other, "stats")
	select {
	case r := <-ch:
		t.Fatalf("the call to an unregistered service answered at once: %v, %v", r.v, r.err)
	default:
	}
	return ch
}

// waitDelivery waits until the kernel log, past mark, shows a delivery of
// method to vat.
func waitDelivery(t *testing.T, e *kernelEnv, mark int, vat, method string) {
	t.Helper()
	waitFor(t, time.Minute, vat+" to get "+method, func() bool {
		for _, line := range strings.Split(e.logs.String()[mark:], "\n") {
			var entry struct {
				Msg    string `json:"@message"`
				Vat    string `json:"vat"`
				Method string `json:"method"`
			}
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "delivery" &&
				entry.Vat == vat && strings.Trim(entry.Method, `"`) == method {
				return true
			}
		}
		return false
	})
}

// vatOf is the first vat of a subcluster.
func vatOf(t *testing.T, e *kernelEnv, id string) string {
	t.Helper()
	ok, vats := subclusterVatsOK(e, id)
	if !ok || len(vats) == 0 {
		t.Fatalf("subcluster %s has no vats", id)
	}
	return vats[0]
}

func launchInline(t *testing.T, e *kernelEnv, dir string, cfg map[string]any) *ocap.SubclusterLaunchResult {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if dir == "" {
		dir = t.TempDir()
	}
	c, err := ocap.ParseClusterConfig(raw, dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.k.LaunchSubcluster(context.Background(), c)
	if err != nil {
		t.Fatalf("launching %s: %v\nlogs:\n%s", raw, err, e.logs.String())
	}
	return res
}

func absPath(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(rel)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
