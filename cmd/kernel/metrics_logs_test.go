package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestParseLogFormat(t *testing.T) {
	for in, want := range map[string]bool{"": false, "text": false, "json": true} {
		got, err := parseLogFormat(in)
		if err != nil || got != want {
			t.Errorf("parseLogFormat(%q) = %v, %v", in, got, err)
		}
	}
	_, err := parseLogFormat("JSON")
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "text, json") {
		t.Errorf("parseLogFormat(JSON): %v; want a usage error naming the formats", err)
	}
}

// workerLogger is the logger under which the kernel re-logs the stderr of
// vat v1's worker, as the platform and go-plugin name and tag it.
func workerLogger(base hclog.Logger) hclog.Logger {
	return base.Named("platform").Named("vat-worker").With("vat", "v1", "name", "alice", "subcluster", "s1").Named("v1")
}

// A raw stderr line, which go-plugin logs at debug, stays in an info log,
// tagged with the vat; the debug lines of other loggers do not.
func TestWorkerStderrKept(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		var buf bytes.Buffer
		base := newLogger(&buf, "info", "info", asJSON)
		workerLogger(base).Debug("runtime: program exceeds 10000-thread limit")
		base.Named("platform").Named("vat-worker").With("vat", "v1").Named("stdio").Debug("received EOF, stopping recv loop")
		base.Named("kernel").Debug("a kernel detail")
		workerLogger(base).Info("hello from alice")

		out := buf.String()
		if n := strings.Count(out, "\n"); n != 2 {
			t.Fatalf("json=%v: %d lines, want the raw line and the info line:\n%s", asJSON, n, out)
		}
		first := strings.SplitN(out, "\n", 2)[0]
		for _, want := range []string{"runtime: program exceeds 10000-thread limit", "ocap.platform.vat-worker.v1", "alice", "s1"} {
			if !strings.Contains(first, want) {
				t.Errorf("json=%v: the kept line %q lacks %q", asJSON, first, want)
			}
		}
	}
}

// At debug level nothing is written twice.
func TestWorkerStderrNotDoubledAtDebug(t *testing.T) {
	var buf bytes.Buffer
	base := newLogger(&buf, "debug", "info", false)
	workerLogger(base).Debug("a raw line")
	if n := strings.Count(buf.String(), "a raw line"); n != 1 {
		t.Errorf("the line appears %d times:\n%s", n, buf.String())
	}
}

func TestJSONLogLines(t *testing.T) {
	var buf bytes.Buffer
	base := newLogger(&buf, "", "info", true)
	base.Named("serve").Info("kernel ready", "pid", 12)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%q: %v", buf.String(), err)
	}
	if line["@message"] != "kernel ready" || line["@module"] != "ocap.serve" || line["pid"] != 12.0 {
		t.Errorf("JSON line %v", line)
	}
}
