package platform

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// startVatIn delivers a StartVat to w and returns the worker's answer.
func startVatIn(t *testing.T, w Worker, start *workerpb.StartVat) *workerpb.DeliveryResult {
	t.Helper()
	r, err := deliverTo(t, w, &workerpb.Delivery{Kind: &workerpb.Delivery_StartVat{StartVat: start}})
	if err != nil {
		t.Fatalf("startVat: %v", err)
	}
	return r
}

// TestWorkerStatusShowsTheSandbox: once its vat has started, a vat-worker
// has no_new_privs, a seccomp filter and no capabilities, as the kernel
// sees it from outside, and says so in its StartVat answer.
func TestWorkerStatusShowsTheSandbox(t *testing.T) {
	s := New(Options{WorkerPath: testutil.RaceWorkerPath(t), Logger: testutil.Logger(t)})
	t.Cleanup(func() { _ = s.Close() })
	w := launch(t, s, "v1")
	r := startVatIn(t, w, &workerpb.StartVat{VatId: "v1", Name: "spin", Bundle: spinBundle, MemoryLimitBytes: 256 << 20})
	if r.GetError() != "" {
		t.Fatalf("startVat failed: %s", r.GetError())
	}
	sb := r.GetSandbox()
	if !sb.GetNoNewPrivs() || !sb.GetSeccomp() || !sb.GetCapabilitiesDropped() || sb.GetMemoryLimitBytes() != 256<<20 {
		t.Errorf("the worker reports the sandbox %v", sb)
	}
	status := procFile(t, w.PID(), "status")
	for _, want := range []string{"NoNewPrivs:\t1", "Seccomp:\t2", "CapEff:\t0000000000000000", "CapPrm:\t0000000000000000", "CapBnd:\t0000000000000000"} {
		if !strings.Contains(status, want+"\n") {
			t.Errorf("/proc/%d/status lacks %q", w.PID(), want)
		}
	}
	t.Logf("/proc/<worker>/status:\n%s", strings.Join(regexp.MustCompile(`(?m)^(NoNewPrivs|Seccomp|Seccomp_filters|Cap\w+):.*$`).FindAllString(status, -1), "\n"))
}

// kernelTargets stands in for what a kernel holds that a worker must not
// reach: its store file, open without close-on-exec as the SQLite driver
// opens it; its control socket; and a TCP service.
type kernelTargets struct {
	attackTargets
	accepted atomic.Int32 // connections the socket and TCP listeners took
}

func newKernelTargets(t *testing.T) *kernelTargets {
	dir := t.TempDir()
	k := &kernelTargets{attackTargets: attackTargets{Store: filepath.Join(dir, "kernel.db")}}
	if err := os.WriteFile(k.Store, []byte("SQLite format 3\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.Open(k.Store, syscall.O_RDWR, 0) // no O_CLOEXEC
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	k.Socket = filepath.Join(dir, "kernel.sock")
	for _, l := range []struct{ network, addr string }{{"unix", k.Socket}, {"tcp", "127.0.0.1:0"}} {
		ln, err := net.Listen(l.network, l.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		if l.network == "tcp" {
			k.TCP = ln.Addr().String()
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				k.accepted.Add(1)
				c.Close()
			}
		}()
	}
	return k
}

// attackFrom has a hostile worker, started for a vat with globals, attack
// k; it returns how each attack failed ("" if it succeeded).
func attackFrom(t *testing.T, k *kernelTargets, globals ...string) map[string]string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{WorkerPath: exe, Env: []string{roleEnv + "=hostile"}, Logger: testutil.Logger(t)})
	t.Cleanup(func() { _ = s.Close() })
	w := launch(t, s, "v1")
	if r := startVatIn(t, w, &workerpb.StartVat{VatId: "v1", Globals: globals}); !r.GetSandbox().GetSeccomp() {
		t.Fatalf("the hostile worker's sandbox: %v", r.GetSandbox())
	}
	body, _ := json.Marshal(k.attackTargets)
	r, err := deliverTo(t, w, testutil.Message(targetAttack, string(body)))
	if err != nil || r.GetError() != "" {
		t.Fatalf("attack: %v %s", err, r.GetError())
	}
	var results map[string]string
	if err := json.Unmarshal([]byte(r.GetPong()), &results); err != nil {
		t.Fatalf("attack results %q: %v", r.GetPong(), err)
	}
	var lines []string
	for name, how := range results {
		lines = append(lines, name+": "+how)
	}
	sort.Strings(lines)
	t.Logf("attacks from a worker with globals %v:\n  %s", globals, strings.Join(lines, "\n  "))
	return results
}

// TestHostileWorkerIsConfined: a worker running attack code after its
// sandbox is in force reaches none of the kernel's files, memory, sockets
// or processes, cannot start a process, and has no TCP without fetch.
func TestHostileWorkerIsConfined(t *testing.T) {
	k := newKernelTargets(t)
	// From an unconfined process, every target is within reach.
	for name, how := range reachTargets(k.attackTargets) {
		if how != "" {
			t.Fatalf("unconfined, %q failed: %s", name, how)
		}
	}
	// Those were two connections, one to each listener.
	testutil.WaitFor(t, testutil.Patience, "the listeners to accept the unconfined connections", func() bool { return k.accepted.Load() == 2 })

	results := attackFrom(t, k)
	if len(results) == 0 {
		t.Fatal("no attack was tried")
	}
	for name, how := range results {
		if how == "" {
			t.Errorf("a confined worker could %s", name)
		}
	}
	if n := k.accepted.Load(); n != 2 {
		t.Errorf("the kernel's listeners accepted %d connections from the confined worker", n-2)
	}
}

// TestHostileWorkerWithFetchKeepsOnlyTCP: a vat with fetch may open TCP
// connections, and nothing more.
func TestHostileWorkerWithFetchKeepsOnlyTCP(t *testing.T) {
	k := newKernelTargets(t)
	results := attackFrom(t, k, "fetch")
	for name, how := range results {
		if (how == "") != (name == "connect over TCP") {
			t.Errorf("with fetch, %q: %q", name, how)
		}
	}
}
