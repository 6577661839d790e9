package main

import (
	"io"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// logFormats are the values --log-format takes.
const logFormats = "text, json"

// parseLogFormat reads --log-format: "" or "text" for hclog's text lines,
// "json" for one JSON object a line (what log shippers want).
func parseLogFormat(format string) (json bool, err error) {
	switch format {
	case "", "text":
		return false, nil
	case "json":
		return true, nil
	}
	return false, usagef("unknown --log-format %q (%s)", format, logFormats)
}

// newLogger writes hclog lines, text or JSON, to stderr; level "" takes
// def. It is an InterceptLogger so that sinks (the fetch counter of
// --metrics-addr) see every line, and it keeps the raw stderr lines of
// workers (see workerStderr).
func newLogger(stderr io.Writer, level, def string, json bool) hclog.InterceptLogger {
	if level == "" {
		level = def
	}
	return buildLogger(stderr, hclog.LevelFromString(level), json, nil)
}

// newVatLogger is newLogger with two levels: lines a vat wrote (its
// console, its logger, liveslots' warnings about it, all tagged vatName)
// from vatLevel, the kernel's own from kernelLevel.
func newVatLogger(stderr io.Writer, vatLevel, kernelLevel hclog.Level, json bool) hclog.InterceptLogger {
	return buildLogger(stderr, min(vatLevel, kernelLevel), json, func(level hclog.Level, _ string, args ...any) bool {
		return level < kernelLevel && !fromVat(args)
	})
}

func buildLogger(stderr io.Writer, level hclog.Level, json bool, exclude func(hclog.Level, string, ...any) bool) hclog.InterceptLogger {
	opts := &hclog.LoggerOptions{
		Name:       "ocap",
		Output:     stderr,
		Level:      level,
		JSONFormat: json,
		Exclude:    exclude,
		// Shared with workerStderr's logger, which writes to the same
		// output: lines never interleave.
		Mutex: new(sync.Mutex),
	}
	l := hclog.NewInterceptLogger(opts)
	l.RegisterSink(newWorkerStderr(opts))
	return l
}

// fromVat reports whether a line's fields carry vatName, which liveslots
// tags every line a vat writes with.
func fromVat(args []any) bool {
	for i := 0; i+1 < len(args); i += 2 {
		if k, _ := args[i].(string); k == "vatName" {
			return true
		}
	}
	return false
}

// workerStderr keeps the raw lines of a worker's stderr in the kernel log.
//
// The kernel reads each worker's stderr through go-plugin, which re-logs a
// JSON log line at the level it carries, under the logger
// "<platform>.vat-worker.<vat id>" tagged with vat, name and subcluster.
// A line that is not JSON (a Go runtime message, anything a library prints)
// it logs at debug, so at the usual info level it would be lost. Only such
// lines reach that logger below the kernel's level (go-plugin drops JSON
// lines below it before logging), so this sink writes every one it sees
// again, at info.
type workerStderr struct {
	level hclog.Level
	out   hclog.Logger
}

func newWorkerStderr(kernel *hclog.LoggerOptions) *workerStderr {
	return &workerStderr{
		level: kernel.Level,
		out: hclog.New(&hclog.LoggerOptions{
			Output:     kernel.Output,
			Level:      hclog.Trace,
			JSONFormat: kernel.JSONFormat,
			Mutex:      kernel.Mutex,
		}),
	}
}

// Accept implements hclog.SinkAdapter.
func (s *workerStderr) Accept(name string, level hclog.Level, msg string, args ...any) {
	if level >= s.level || !isWorkerStderr(name, args) {
		return
	}
	s.out.ResetNamed(name).Info(msg, args...)
}

// isWorkerStderr reports whether a logger name is that of a worker's
// stderr: go-plugin names it after the process, which the platform names
// after the vat, and the platform tags it with that vat id. go-plugin's own
// loggers under the worker's (such as "stdio") do not qualify.
func isWorkerStderr(name string, args []any) bool {
	i := strings.LastIndex(name, ".vat-worker.")
	if i < 0 {
		return false
	}
	last := name[i+len(".vat-worker."):]
	for j := 0; j+1 < len(args); j += 2 {
		if k, _ := args[j].(string); k == "vat" {
			if v, _ := args[j+1].(string); v == last {
				return true
			}
		}
	}
	return false
}
