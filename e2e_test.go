package ocap_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/internal/testutil"
)

func TestTwoVatsInTwoProcesses(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		res := e.launch("hello.json")
		if got := mustDecode(t, res.BootstrapResult); got != "alice is ready" {
			t.Fatalf("bootstrap result = %v", got)
		}
		if got := e.mustCall(res.RootKref, "hello", "world"); got != "hello world, from Bob" {
			t.Fatalf("hello = %v", got)
		}

		pids := e.pids()
		if len(pids) != 2 || pids["v1"] == pids["v2"] {
			t.Fatalf("want two distinct worker processes, got %v", pids)
		}
		for vat, pid := range pids {
			if pid == os.Getpid() || !alive(pid) {
				t.Fatalf("vat %s: pid %d is not a live child process", vat, pid)
			}
			cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			if err != nil || !strings.Contains(string(cmdline), "vat-worker") {
				t.Fatalf("vat %s: pid %d runs %q, want vat-worker", vat, pid, cmdline)
			}
		}

		// A new kernel over the same store restores the vats: new
		// processes, the same root kref, bootstrap not run again.
		e.restart()
		if got := e.mustCall(res.RootKref, "hello", "again"); got != "hello again, from Bob" {
			t.Fatalf("hello after restart = %v", got)
		}
		counts := e.mustCall(res.RootKref, "counts").(map[string]any)
		if counts["starts"] != 2.0 || counts["bootstraps"] != 1.0 {
			t.Fatalf("counts after restart = %v, want 2 starts and 1 bootstrap", counts)
		}
		for vat, pid := range e.pids() {
			if pid == pids[vat] {
				t.Fatalf("vat %s kept its old process %d across a kernel restart", vat, pid)
			}
		}
	})
}

func TestPipelining(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		root := e.launch("pipeline.json").RootKref

		if got := e.mustCall(root, "pipeline"); !reflect.DeepEqual(got, []any{1.0, 2.0, 3.0}) {
			t.Fatalf("pipeline = %v, want [1 2 3] in order", got)
		}
		if got := e.mustCall(root, "nested"); got != 1.0 {
			t.Fatalf("nested = %v", got)
		}
		if got := e.mustCall(root, "resultAsArgument"); got != 1.0 {
			t.Fatalf("resultAsArgument = %v", got)
		}
		_, err := e.call(root, "pipelineRejected")
		var re *ocap.RemoteError
		if !errors.As(err, &re) || re.Name != "Error" || re.Message != "no counter for you" {
			t.Fatalf("pipelineRejected: err = %v, want Error: no counter for you", err)
		}
		_, err = e.call(root, "pipelineData")
		if !errors.As(err, &re) || !strings.Contains(re.Message, "string") || !strings.Contains(re.Message, "increment") {
			t.Fatalf("pipelineData: err = %v, want a rejection naming the string and the method", err)
		}
	})
}

// TestPipelinedSendsSkipTheSender reads the kernel's delivery trace: the
// increments pipelined on the counter promise reach bob before alice hears
// that the promise resolved.
func TestPipelinedSendsSkipTheSender(t *testing.T) {
	e := startKernel(t, "sqlite::memory:", ocap.Options{})
	root := e.launch("pipeline.json").RootKref
	mark := len(e.logs.String())
	e.mustCall(root, "pipeline")

	var seq []string
	for _, line := range strings.Split(e.logs.String()[mark:], "\n") {
		var entry struct {
			Msg    string `json:"@message"`
			Vat    string `json:"vat"`
			Kind   string `json:"kind"`
			Method string `json:"method"`
		}
		if json.Unmarshal([]byte(line), &entry) != nil || entry.Msg != "delivery" {
			continue
		}
		seq = append(seq, entry.Vat+":"+entry.Kind+":"+strings.Trim(entry.Method, `"`))
	}
	want := []string{
		"v1:message:pipeline",
		"v2:message:makeCounter",
		"v2:message:increment",
		"v2:message:increment",
		"v2:message:increment",
	}
	if len(seq) < len(want) || !reflect.DeepEqual(seq[:len(want)], want) {
		t.Fatalf("deliveries = %v\nwant them to start with %v", seq, want)
	}
}

func TestErrorsKeepNameAndMessage(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		root := e.launch("pipeline.json").RootKref
		cases := []struct{ method, name, message string }{
			{"throwSync", "Error", "sync boom"},
			{"throwAsync", "RangeError", "async boom"},
			{"typeError", "TypeError", "field"},
		}
		for _, c := range cases {
			got := e.mustCall(root, "callThrower", c.method).(map[string]any)
			if got["name"] != c.name || !strings.Contains(got["message"].(string), c.message) {
				t.Errorf("%s seen by alice = %v, want %s containing %q", c.method, got, c.name, c.message)
			}
			_, err := e.call(root, "relay", c.method)
			var re *ocap.RemoteError
			if !errors.As(err, &re) || re.Name != c.name || !strings.Contains(re.Message, c.message) {
				t.Errorf("%s seen by the host: %v, want %s containing %q", c.method, err, c.name, c.message)
			}
		}
		_, err := e.call(root, "noSuchMethod")
		var re *ocap.RemoteError
		if !errors.As(err, &re) || !strings.Contains(re.Message, `no method "noSuchMethod"`) {
			t.Fatalf("missing method: %v", err)
		}
		// The vats keep working.
		if got := e.mustCall(root, "nested"); got != 1.0 {
			t.Fatalf("after errors, nested = %v", got)
		}
	})
}

func TestTerminateLeavesNoWorkers(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		res := e.launch("hello.json")
		pids := e.pids()
		if len(pids) != 2 {
			t.Fatalf("workers = %v", pids)
		}
		if err := e.k.TerminateSubcluster(context.Background(), res.SubclusterID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, patience, "workers to exit", func() bool {
			for _, pid := range pids {
				if alive(pid) {
					return false
				}
			}
			return true
		})
		if n := len(childWorkers(t)); n != 0 {
			t.Fatalf("%d vat-worker processes left after terminate", n)
		}
		_, err := e.call(res.RootKref, "hello", "anyone")
		if err == nil || !strings.Contains(err.Error(), "VAT_TERMINATED") || !strings.Contains(err.Error(), "v1") {
			t.Fatalf("send to a terminated root: %v", err)
		}
		st, err := e.k.GetStatus(context.Background())
		if err != nil || len(st.Vats) != 0 || len(st.Subclusters) != 0 {
			t.Fatalf("status after terminate = %+v, %v", st, err)
		}
		if err := e.k.TerminateSubcluster(context.Background(), res.SubclusterID); !errors.Is(err, ocap.ErrUnknownSubcluster) {
			t.Fatalf("terminating twice: %v", err)
		}
	})
}

func TestFailedLaunchesLeaveNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		for i := 0; i < 2; i++ {
			cfg, err := ocap.LoadClusterConfig("testdata/clusters/bad-build.json")
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.k.LaunchSubcluster(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), "buildRootObject refuses to build") {
				t.Fatalf("launch %d of bad-build: %v", i, err)
			}
		}
		cfg, err := ocap.LoadClusterConfig("testdata/clusters/bad-bootstrap.json")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.k.LaunchSubcluster(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), "TypeError: bootstrap rejects") {
			t.Fatalf("bad bootstrap: %v", err)
		}
		waitFor(t, patience, "failed launches' workers to exit", func() bool { return len(childWorkers(t)) == 0 })
		e.restart()
		st, err := e.k.GetStatus(context.Background())
		if err != nil || len(st.Vats) != 0 || len(st.Subclusters) != 0 {
			t.Fatalf("status after failed launches = %+v, %v", st, err)
		}
		// The same store then runs a good cluster.
		res := e.launch("hello.json")
		if got := e.mustCall(res.RootKref, "hello", "there"); got != "hello there, from Bob" {
			t.Fatalf("hello = %v", got)
		}
	})
}

func TestWorkerKilledMidDelivery(t *testing.T) {
	// No delivery time limit in reach: only the kills may end bob's spin.
	e := startKernel(t, storeURLForOneDriver(t), ocap.Options{DeliveryTimeout: time.Hour})
	root := e.launch("pipeline.json").RootKref

	// bob spins forever, saying so first: kill his worker each time he
	// does. The first death restarts bob and retries the delivery, which
	// spins again; the second death ends him.
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		_, err := e.k.QueueMessage(ctx, root, "relay", []any{"announceSpin"})
		done <- err
	}()
	const spinning = "bob is spinning"
	killed := map[int]bool{}
	for round := 1; round <= 2; round++ {
		var pid int
		waitFor(t, testutil.Patience, fmt.Sprintf("bob to announce spin %d", round), func() bool {
			pid = e.pids()["v2"]
			return e.logged(spinning) >= round && pid != 0
		})
		if killed[pid] {
			t.Fatalf("spin %d announced, but bob's worker is still %d, killed before", round, pid)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		killed[pid] = true
	}
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "VAT_TERMINATED") || !strings.Contains(err.Error(), "died twice") {
		t.Fatalf("spin after two kills: %v", err)
	}
	if n := e.logged(spinning); n != 2 {
		t.Errorf("bob announced %d spins, want 2: one delivery and one retry", n)
	}
	// alice still answers.
	if got := e.mustCall(root, "callThrower", "throwSync").(map[string]any); !strings.Contains(got["message"].(string), "VAT_TERMINATED") {
		t.Fatalf("alice calling the terminated bob: %v", got)
	}
}

func TestDeliveryTimeLimit(t *testing.T) {
	e := startKernel(t, "sqlite::memory:", ocap.Options{DeliveryTimeout: 3 * time.Second})
	root := e.launch("pipeline.json").RootKref
	_, err := e.call(root, "relay", "spin")
	if err == nil || !strings.Contains(err.Error(), "VAT_TERMINATED") || !strings.Contains(err.Error(), "delivery time limit of 3s") {
		t.Fatalf("spin with a delivery limit: %v", err)
	}
}

func TestUnknownKrefs(t *testing.T) {
	e := startKernel(t, "sqlite::memory:", ocap.Options{})
	for _, kref := range []string{"ko", "kofoo", "ko999999", "kp42", ""} {
		_, err := e.call(kref, "hello")
		if !errors.Is(err, ocap.ErrUnknownKref) || !strings.Contains(err.Error(), strconv.Quote(kref)) {
			t.Errorf("QueueMessage(%q): %v", kref, err)
		}
	}
}

// storeURLForOneDriver picks SQLite: tests that exercise processes rather
// than storage run once.
func storeURLForOneDriver(t *testing.T) string { return "sqlite::memory:" }

func mustDecode(t *testing.T, cd *ocap.CapData) any {
	t.Helper()
	if cd == nil {
		t.Fatal("no CapData")
	}
	v, err := cd.Unmarshal()
	if err != nil {
		t.Fatal(err)
	}
	return v
}
