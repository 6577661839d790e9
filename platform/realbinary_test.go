package platform

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
)

// TestRealWorkerBinary launches cmd/vat-worker itself.
func TestRealWorkerBinary(t *testing.T) {
	opts := Options{WorkerPath: testutil.WorkerPath(t), Logger: testutil.Logger(t)}
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

// TestRealWorkerBinaryByHand runs vat-worker without the kernel: it must
// say what it is and fail.
func TestRealWorkerBinaryByHand(t *testing.T) {
	out, err := exec.Command(testutil.WorkerPath(t)).CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 1 {
		t.Fatalf("vat-worker run by hand: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "plugin") {
		t.Fatalf("vat-worker run by hand says %q", out)
	}
}
