package ocap_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/store"
)

// forEachStore runs fn once on SQLite and once on PostgreSQL, each on a
// fresh store.
var forEachStore = testutil.ForEachStore

// kernelEnv is a kernel over a store, with its log captured.
type kernelEnv struct {
	t    *testing.T
	url  string
	db   store.Store
	k    *ocap.Kernel
	logs *syncBuffer
	opts ocap.Options
	// worker, when set, runs the vats instead of a vat-worker: a path and
	// the environment it needs.
	worker *platform.Options
}

func startKernel(t *testing.T, url string, opts ocap.Options) *kernelEnv {
	t.Helper()
	e := &kernelEnv{t: t, url: url, logs: &syncBuffer{}, opts: opts}
	e.open()
	t.Cleanup(e.close)
	return e
}

// raceWorkerTests run their vats in race-built workers: the worker's
// stream, event loop, timers, fetch, io channels, kernel services, garbage
// collection and vatstore reads in real use, under the race detector. The
// others run plain workers: race-built goja is several times slower, and
// with it everywhere this package took nine minutes.
var raceWorkerTests = regexp.MustCompile(`^Test(Endow|TwoVatsInTwoProcesses|Pipelining|IOChannels|KernelServices|DroppedImportsAreRetiredEndToEnd|DurableKindsSurviveRestarts|BigStoreReadOnDemand)`)

func workerFor(t *testing.T) string {
	if raceWorkerTests.MatchString(t.Name()) {
		return testutil.RaceWorkerPath(t)
	}
	return testutil.WorkerPath(t)
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
	popts := platform.Options{WorkerPath: workerFor(e.t), Logger: logger}
	if e.worker != nil {
		popts.WorkerPath, popts.Env = e.worker.WorkerPath, e.worker.Env
	}
	k, err := ocap.Make(ctx, platform.New(popts), db, opts)
	if err != nil {
		db.Close()
		e.t.Fatalf("making kernel: %v\nlogs:\n%s", err, e.logs.String())
	}
	e.db, e.k = db, k
}

func (e *kernelEnv) close() {
	if e.k != nil {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
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
	ctx, cancel := context.WithTimeout(context.Background(), patience)
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

// subclusterPIDs lists the worker processes of a subcluster's vats.
func (e *kernelEnv) subclusterPIDs(id string) []int {
	e.t.Helper()
	st, err := e.k.GetStatus(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	all := e.pids()
	var pids []int
	for _, sc := range st.Subclusters {
		if sc.ID != id {
			continue
		}
		for _, vat := range sc.Vats {
			if pid, ok := all[vat]; ok {
				pids = append(pids, pid)
			}
		}
	}
	if len(pids) == 0 {
		e.t.Fatalf("subcluster %s has no workers", id)
	}
	return pids
}

// logged counts the kernel log lines whose message is msg. (Counting the
// text would also count it inside other lines: a dead worker's error
// quotes the last lines it wrote.)
func (e *kernelEnv) logged(msg string) int {
	n := 0
	for _, line := range strings.Split(e.logs.String(), "\n") {
		var entry struct {
			Msg string `json:"@message"`
		}
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == msg {
			n++
		}
	}
	return n
}

var waitFor = testutil.WaitFor

// patience bounds waits that only guard against a hang.
const patience = testutil.Patience

// alive reports whether a process exists and is not a zombie.
func alive(pid int) bool { return !testutil.ProcessGone(pid) }

// childWorkers lists the live vat-worker processes whose parent is this process.
func childWorkers(t *testing.T) []int { return testutil.WorkerChildren(os.Getpid()) }

type syncBuffer = testutil.SyncBuffer
