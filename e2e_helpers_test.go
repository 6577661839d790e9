package ocap_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/store"
	"github.com/ocapgo/ocap/store/storetest"
)

// forEachStore runs fn once on SQLite and once on PostgreSQL, each on a
// fresh store.
func forEachStore(t *testing.T, fn func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, storetest.SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.PostgresURL(t)) })
}

// kernelEnv is a kernel over a store, with its log captured.
type kernelEnv struct {
	t    *testing.T
	url  string
	db   store.Store
	k    *ocap.Kernel
	logs *syncBuffer
	opts ocap.Options
}

func startKernel(t *testing.T, url string, opts ocap.Options) *kernelEnv {
	t.Helper()
	e := &kernelEnv{t: t, url: url, logs: &syncBuffer{}, opts: opts}
	e.open()
	t.Cleanup(e.close)
	return e
}

func (e *kernelEnv) open() {
	e.t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, e.url)
	if err != nil {
		e.t.Fatalf("opening store: %v", err)
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "test", Output: e.logs, Level: hclog.Trace, JSONFormat: true})
	opts := e.opts
	opts.Logger = logger
	k, err := ocap.Make(ctx, platform.New(platform.Options{WorkerPath: testutil.WorkerPath(e.t), Logger: logger}), db, opts)
	if err != nil {
		db.Close()
		e.t.Fatalf("making kernel: %v\nlogs:\n%s", err, e.logs.String())
	}
	e.db, e.k = db, k
}

func (e *kernelEnv) close() {
	if e.k != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.k.Stop(ctx); err != nil {
			e.t.Errorf("stopping kernel: %v", err)
		}
		e.k = nil
	}
	if e.db != nil {
		e.db.Close()
		e.db = nil
	}
}

// restart stops the kernel and makes a new one over the same store.
func (e *kernelEnv) restart() {
	e.t.Helper()
	e.close()
	e.open()
}

func (e *kernelEnv) launch(cluster string) *ocap.SubclusterLaunchResult {
	e.t.Helper()
	cfg, err := ocap.LoadClusterConfig(filepath.Join("testdata", "clusters", cluster))
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := e.k.LaunchSubcluster(context.Background(), cfg)
	if err != nil {
		e.t.Fatalf("launching %s: %v\nlogs:\n%s", cluster, err, e.logs.String())
	}
	return res
}

// call sends method(args) and decodes the result.
func (e *kernelEnv) call(kref, method string, args ...any) (any, error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := e.k.QueueMessage(ctx, kref, method, args)
	if err != nil {
		return nil, err
	}
	return out.Unmarshal()
}

func (e *kernelEnv) mustCall(kref, method string, args ...any) any {
	e.t.Helper()
	v, err := e.call(kref, method, args...)
	if err != nil {
		e.t.Fatalf("%s: %v\nlogs:\n%s", method, err, e.logs.String())
	}
	return v
}

func (e *kernelEnv) pids() map[string]int {
	e.t.Helper()
	pids, err := e.k.WorkerPIDs(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return pids
}

// waitFor polls cond until it holds or the time runs out.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether a process exists and is not a zombie.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// childWorkers counts the live vat-worker processes whose parent is this process.
func childWorkers(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 || fields[0] == "Z" || fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if strings.Contains(string(cmdline), "vat-worker") {
			out = append(out, pid)
		}
	}
	return out
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
