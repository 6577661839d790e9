package platform

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/internal/testutil"
)

// A worker's log past its budget is dropped, and what was dropped is
// counted in one warning, for loggers derived from it and for its raw
// stdout/stderr writers alike.
func TestRateLoggerDropsAndSummarises(t *testing.T) {
	out := &syncBuffer{}
	base := hclog.New(&hclog.LoggerOptions{Output: out, Level: hclog.Trace})
	l := newRateLogger(base, 1000)
	named := l.Named("stderr").With("vat", "v1")
	line := strings.Repeat("x", 100)
	for range 50 {
		named.Info(line)
	}
	w := l.StandardWriter(&hclog.StandardLoggerOptions{ForceLevel: hclog.Info})
	for range 10 {
		_, _ = w.Write([]byte(line + "\n"))
	}
	testutil.WaitFor(t, testutil.Patience, "the summary of dropped lines", func() bool {
		return strings.Contains(out.String(), "worker log over its rate limit")
	})
	got := out.String()
	if n := strings.Count(got, line); n < 1 || n > 10 {
		t.Errorf("%d lines of 100 bytes got through a 1000 bytes/s budget; want 1 to 10", n)
	}
	if !strings.Contains(got, "limit=\"1000 bytes/s\"") || !strings.Contains(got, "dropped_lines=") {
		t.Errorf("summary does not say what was dropped and the limit:\n%s", got)
	}
}
