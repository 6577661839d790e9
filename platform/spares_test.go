package platform

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/internal/testutil"
)

func TestSparesServeLaunches(t *testing.T) {
	logs := &syncBuffer{}
	opts := fakeWorkerOptions(t)
	opts.Spares = 2
	opts.Logger = hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Trace, JSONFormat: true})
	s := New(opts)
	t.Cleanup(func() { _ = s.Close() })

	first := launch(t, s, "v1") // started on demand; spares follow
	testutil.WaitFor(t, testutil.Patience, "two spare workers", func() bool { return len(s.spares) == 2 })
	spares := map[int]bool{}
	for w := range s.spares {
		spares[w.PID()] = true
		s.spares <- w
		if len(spares) == 2 {
			break
		}
	}

	second := launch(t, s, "v2")
	if !spares[second.PID()] {
		t.Fatalf("launch v2 got pid %d, not one of the spares %v", second.PID(), spares)
	}
	if second.PID() == first.PID() {
		t.Fatal("two vats share a worker")
	}
	if _, err := second.Deliver(context.Background(), testutil.Ping()); err != nil {
		t.Fatal(err)
	}
	// A spare's lines are tagged with the vat it was given.
	if err := second.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := second.Err(); err == nil || !strings.Contains(err.Error(), "vat v2") {
		t.Fatalf("exit error of the assigned spare: %v", err)
	}
	testutil.WaitFor(t, testutil.Patience, "the spare to be refilled", func() bool { return len(s.spares) == 2 })

	_ = s.Close()
	for pid := range spares {
		testutil.WaitFor(t, testutil.Patience, "spares to die with Close", func() bool { return testutil.ProcessGone(pid) })
	}
}
