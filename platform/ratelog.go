package platform

import (
	"fmt"
	"io"
	"log"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// DefaultLogBytesPerSecond is Options.LogBytesPerSecond's default.
const DefaultLogBytesPerSecond = 1 << 20

// logBudget bounds how much one worker may put in the kernel's log per
// second: its vat's console output, its own log lines and whatever else it
// writes to stderr or stdout all count. Lines over the budget are dropped,
// counted, and summarised in one warning at the end of the second, so a
// flood costs the kernel a line a second and nothing goes missing unsaid.
type logBudget struct {
	rate int
	out  func(dropped, bytes int) // writes the summary

	mu      sync.Mutex
	window  time.Time
	used    int
	dropped int
	bytes   int
	pending bool // a summary is scheduled
}

func newLogBudget(rate int, out func(dropped, bytes int)) *logBudget {
	return &logBudget{rate: rate, out: out}
}

// allow reports whether a line of n bytes may be logged now.
func (b *logBudget) allow(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if now.Sub(b.window) >= time.Second {
		b.window, b.used = now, 0
	}
	if b.used+n <= b.rate {
		b.used += n
		return true
	}
	b.dropped++
	b.bytes += n
	if !b.pending {
		b.pending = true
		time.AfterFunc(time.Until(b.window.Add(time.Second)), b.summarise)
	}
	return false
}

func (b *logBudget) summarise() {
	b.mu.Lock()
	dropped, bytes := b.dropped, b.bytes
	b.dropped, b.bytes, b.pending = 0, 0, false
	b.mu.Unlock()
	if dropped > 0 {
		b.out(dropped, bytes)
	}
}

// rateLogger is a worker's logger with its logBudget; loggers derived from
// it share the budget.
type rateLogger struct {
	hclog.Logger
	budget *logBudget
}

// newRateLogger wraps l with a budget of rate bytes a second; the summary
// of dropped lines goes to l itself, past the budget.
func newRateLogger(l hclog.Logger, rate int) rateLogger {
	b := newLogBudget(rate, func(dropped, bytes int) {
		l.Warn("worker log over its rate limit: lines dropped", "dropped_lines", dropped, "dropped_bytes", bytes,
			"limit", fmt.Sprintf("%d bytes/s", rate))
	})
	return rateLogger{Logger: l, budget: b}
}

// lineSize estimates what a log call writes.
func lineSize(msg string, args []any) int {
	n := len(msg)
	for _, a := range args {
		if s, ok := a.(string); ok {
			n += len(s) + 1
		} else {
			n += 16
		}
	}
	return n
}

func (r rateLogger) Log(level hclog.Level, msg string, args ...any) {
	if r.budget.allow(lineSize(msg, args)) {
		r.Logger.Log(level, msg, args...)
	}
}
func (r rateLogger) Trace(msg string, args ...any) { r.Log(hclog.Trace, msg, args...) }
func (r rateLogger) Debug(msg string, args ...any) { r.Log(hclog.Debug, msg, args...) }
func (r rateLogger) Info(msg string, args ...any)  { r.Log(hclog.Info, msg, args...) }
func (r rateLogger) Warn(msg string, args ...any)  { r.Log(hclog.Warn, msg, args...) }
func (r rateLogger) Error(msg string, args ...any) { r.Log(hclog.Error, msg, args...) }

func (r rateLogger) With(args ...any) hclog.Logger {
	return rateLogger{Logger: r.Logger.With(args...), budget: r.budget}
}
func (r rateLogger) Named(name string) hclog.Logger {
	return rateLogger{Logger: r.Logger.Named(name), budget: r.budget}
}
func (r rateLogger) ResetNamed(name string) hclog.Logger {
	return rateLogger{Logger: r.Logger.ResetNamed(name), budget: r.budget}
}

func (r rateLogger) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(r.StandardWriter(opts), "", 0)
}

func (r rateLogger) StandardWriter(opts *hclog.StandardLoggerOptions) io.Writer {
	w := r.Logger.StandardWriter(opts)
	return writerFunc(func(p []byte) (int, error) {
		if !r.budget.allow(len(p)) {
			return len(p), nil
		}
		return w.Write(p)
	})
}

var _ hclog.Logger = rateLogger{}
