package platform

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// TestRealWorkerBinary launches cmd/vat-worker itself.
func TestRealWorkerBinary(t *testing.T) {
	opts := Options{WorkerPath: testutil.RaceWorkerPath(t), Logger: testutil.Logger(t)}
	s := New(opts)
	t.Cleanup(func() { _ = s.Close() })
	w := launch(t, s, "v1")

	if cmdline := procFile(t, w.PID(), "cmdline"); !strings.Contains(cmdline, "vat-worker") {
		t.Errorf("worker command line %q lacks vat-worker", cmdline)
	}
	d := testutil.Ping()
	r, err := deliverTo(t, w, d)
	if err != nil {
		t.Fatal(err)
	}
	// Until the binary has a vat runtime, it answers with an error.
	if r.GetId() != d.GetId() || (r.GetPong() != "pong" && r.GetError() == "") {
		t.Fatalf("ping %d answered %v", d.GetId(), r)
	}
	if err := w.Kill(); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(w.Err(), ErrWorkerExited) {
		t.Fatalf("Err after Kill: %v", w.Err())
	}
}

// spinBundle is a bundle-shaped vat whose root's spin method never returns.
const spinBundle = `var __ocapVat = (() => {
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils/exo');
  const buildRootObject = () => makeDefaultExo('root', { spin() { for (;;) {} } });
  return { buildRootObject };
})();`

// TestRealWorkerEnforcesTheTimeLimit: vat-worker interrupts a delivery that
// spins past StartVat's limit and answers it, instead of being killed by
// the kernel, whose own wait here is far longer.
func TestRealWorkerEnforcesTheTimeLimit(t *testing.T) {
	s := New(Options{WorkerPath: testutil.RaceWorkerPath(t), Logger: testutil.Logger(t)})
	t.Cleanup(func() { _ = s.Close() })
	w := launch(t, s, "v1")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	start := &workerpb.StartVat{VatId: "v1", Name: "spin", Bundle: spinBundle, DeliveryTimeLimitMs: 500}
	r, err := w.Deliver(ctx, &workerpb.Delivery{Kind: &workerpb.Delivery_StartVat{StartVat: start}})
	if err != nil || r.GetError() != "" {
		t.Fatalf("startVat: %v %v", r, err)
	}
	want := "the delivery ran past the delivery time limit of 500ms"
	for _, d := range []*workerpb.Delivery{
		{Kind: &workerpb.Delivery_Message{Message: &workerpb.Message{Target: "o+0", Methargs: &workerpb.CapData{Body: `#["spin",[]]`}}}},
		testutil.Ping(), // and every later delivery
	} {
		r, err := w.Deliver(ctx, d)
		if err != nil {
			t.Fatalf("delivery %d: %v", d.GetId(), err)
		}
		if !r.GetTimeLimitExceeded() || r.GetError() != want {
			t.Fatalf("delivery %d answered %v, want time_limit_exceeded and %q", d.GetId(), r, want)
		}
	}
	if isDone(w) {
		t.Fatalf("the worker exited: %v", w.Err())
	}
}

// TestRealWorkerBinaryByHand runs vat-worker without the kernel: it must
// say what it is and fail.
func TestRealWorkerBinaryByHand(t *testing.T) {
	out, err := exec.Command(testutil.RaceWorkerPath(t)).CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 1 {
		t.Fatalf("vat-worker run by hand: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "plugin") {
		t.Fatalf("vat-worker run by hand says %q", out)
	}
}
