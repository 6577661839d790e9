package platform

import (
	"strings"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
)

// A delivery over Options.MaxMessageBytes fails with an error, instead of
// being sent or leaving the caller waiting on a stream gRPC did not close.
func TestDeliveryOverMessageLimit(t *testing.T) {
	opts := fakeWorkerOptions(t)
	opts.MaxMessageBytes = 4096
	s := New(opts)
	t.Cleanup(func() { _ = s.Close() })
	w := launch(t, s, "v1")
	if r, err := deliverTo(t, w, testutil.Message(testutil.TargetEcho, "small")); err != nil || r.GetPong() != "small" {
		t.Fatalf("a small delivery: %v, %v", r, err)
	}
	_, err := deliverTo(t, w, testutil.Message(testutil.TargetEcho, strings.Repeat("x", 5000)))
	if err == nil || !strings.Contains(err.Error(), "over the size limit: sending 5019 bytes, limit 4096") {
		t.Fatalf("a delivery over the limit: %v, want the size error", err)
	}
}
