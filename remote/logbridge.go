package remote

import (
	"context"
	"log/slog"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/libp2p/go-libp2p/gologshim"
)

var bridgeOnce sync.Once

// bridgeLibp2pLogs sends libp2p's own logs to l, named "libp2p", instead
// of to stderr as JSON. libp2p takes one handler for the whole process,
// before its first log line, so the first node started in a process gives
// the logger for all. libp2p's levels go one step down (its errors are
// mostly about its own machinery, such as listeners closing on shutdown,
// which the kernel recovers from), so they do not crowd the kernel's.
func bridgeLibp2pLogs(l hclog.Logger) {
	bridgeOnce.Do(func() {
		gologshim.SetDefaultHandler(slogToHclog{l: l.Named("libp2p")})
	})
}

// slogToHclog is an slog.Handler writing to an hclog.Logger.
type slogToHclog struct {
	l     hclog.Logger
	attrs []any
	group string
}

func level(l slog.Level) hclog.Level {
	switch {
	case l >= slog.LevelError:
		return hclog.Warn
	case l >= slog.LevelWarn:
		return hclog.Info
	case l >= slog.LevelInfo:
		return hclog.Debug
	default:
		return hclog.Trace
	}
}

func (h slogToHclog) Enabled(_ context.Context, l slog.Level) bool {
	return h.l.GetLevel() != hclog.Off && h.l.GetLevel() <= level(l)
}

func (h slogToHclog) Handle(_ context.Context, r slog.Record) error {
	args := append([]any(nil), h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		args = append(args, h.key(a.Key), a.Value.Resolve().Any())
		return true
	})
	h.l.Log(level(r.Level), r.Message, args...)
	return nil
}

func (h slogToHclog) WithAttrs(attrs []slog.Attr) slog.Handler {
	h.attrs = append([]any(nil), h.attrs...)
	for _, a := range attrs {
		h.attrs = append(h.attrs, h.key(a.Key), a.Value.Resolve().Any())
	}
	return h
}

func (h slogToHclog) WithGroup(name string) slog.Handler {
	h.group = h.key(name)
	return h
}

func (h slogToHclog) key(k string) string {
	if h.group == "" {
		return k
	}
	return h.group + "." + k
}
