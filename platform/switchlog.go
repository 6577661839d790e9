package platform

import (
	"io"
	"log"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
)

// switchLogger is an hclog.Logger whose destination can change after it
// was handed out: a spare worker is started before anyone knows which vat
// it will run, and go-plugin keeps the logger it was given (and loggers
// derived from it) for the worker's life. Once the worker is assigned, its
// lines go out tagged with the vat.
type switchLogger struct {
	target *atomic.Pointer[hclog.Logger]
	derive func(hclog.Logger) hclog.Logger // With/Named applied since, or nil
}

func newSwitchLogger(l hclog.Logger) switchLogger {
	p := &atomic.Pointer[hclog.Logger]{}
	p.Store(&l)
	return switchLogger{target: p}
}

// retarget sends every line, from this logger and those derived from it,
// to l from now on.
func (s switchLogger) retarget(l hclog.Logger) { s.target.Store(&l) }

func (s switchLogger) cur() hclog.Logger {
	l := *s.target.Load()
	if s.derive != nil {
		l = s.derive(l)
	}
	return l
}

func (s switchLogger) then(f func(hclog.Logger) hclog.Logger) hclog.Logger {
	prev := s.derive
	return switchLogger{target: s.target, derive: func(l hclog.Logger) hclog.Logger {
		if prev != nil {
			l = prev(l)
		}
		return f(l)
	}}
}

func (s switchLogger) Log(level hclog.Level, msg string, args ...any) {
	s.cur().Log(level, msg, args...)
}
func (s switchLogger) Trace(msg string, args ...any) { s.cur().Trace(msg, args...) }
func (s switchLogger) Debug(msg string, args ...any) { s.cur().Debug(msg, args...) }
func (s switchLogger) Info(msg string, args ...any)  { s.cur().Info(msg, args...) }
func (s switchLogger) Warn(msg string, args ...any)  { s.cur().Warn(msg, args...) }
func (s switchLogger) Error(msg string, args ...any) { s.cur().Error(msg, args...) }
func (s switchLogger) IsTrace() bool                 { return s.cur().IsTrace() }
func (s switchLogger) IsDebug() bool                 { return s.cur().IsDebug() }
func (s switchLogger) IsInfo() bool                  { return s.cur().IsInfo() }
func (s switchLogger) IsWarn() bool                  { return s.cur().IsWarn() }
func (s switchLogger) IsError() bool                 { return s.cur().IsError() }
func (s switchLogger) ImpliedArgs() []any            { return s.cur().ImpliedArgs() }
func (s switchLogger) Name() string                  { return s.cur().Name() }
func (s switchLogger) SetLevel(level hclog.Level)    { s.cur().SetLevel(level) }
func (s switchLogger) GetLevel() hclog.Level         { return s.cur().GetLevel() }

func (s switchLogger) With(args ...any) hclog.Logger {
	return s.then(func(l hclog.Logger) hclog.Logger { return l.With(args...) })
}

func (s switchLogger) Named(name string) hclog.Logger {
	return s.then(func(l hclog.Logger) hclog.Logger { return l.Named(name) })
}

func (s switchLogger) ResetNamed(name string) hclog.Logger {
	return s.then(func(l hclog.Logger) hclog.Logger { return l.ResetNamed(name) })
}

func (s switchLogger) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(s.StandardWriter(opts), "", 0)
}

func (s switchLogger) StandardWriter(opts *hclog.StandardLoggerOptions) io.Writer {
	return writerFunc(func(p []byte) (int, error) { return s.cur().StandardWriter(opts).Write(p) })
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

var _ hclog.Logger = switchLogger{}
