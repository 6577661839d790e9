package metrics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// kernelLogger is a kernel logger with the fetch sink on it, and the
// logger under which the kernel re-logs the stderr of vat v1's worker.
func kernelLogger(t *testing.T, k *Kernel) (kernel, worker hclog.Logger) {
	t.Helper()
	l := hclog.NewInterceptLogger(&hclog.LoggerOptions{Name: "ocap", Output: io.Discard, Level: hclog.Info})
	l.RegisterSink(k.FetchSink())
	w := l.Named("platform").Named("vat-worker").With("vat", "v1", "name", "alice", "subcluster", "s1").Named("v1")
	return l, w
}

// workerLine is what a vat's fetch line becomes on its way to the kernel:
// the worker's hclog writes JSON on stderr; the kernel parses it, numbers
// become float64, and re-logs message and pairs. (go-plugin does this in
// Client.logStderr.)
func workerLine(t *testing.T, args ...any) (string, []any) {
	t.Helper()
	var buf bytes.Buffer
	vat := hclog.New(&hclog.LoggerOptions{Output: &buf, JSONFormat: true}).With("vat", "v1", "vatName", "alice", "subcluster", "s1")
	vat.Info(FetchLogMessage, args...)
	var raw map[string]any
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatalf("worker line %q: %v", buf.String(), err)
	}
	msg, _ := raw["@message"].(string)
	var pairs []any
	for k, v := range raw {
		if k[0] != '@' {
			pairs = append(pairs, k, v)
		}
	}
	return msg, append(pairs, "timestamp", raw["@timestamp"])
}

func TestFetchSinkCountsByHostAndStatus(t *testing.T) {
	reg, k := setup(t)
	kernel, worker := kernelLogger(t, k)

	for range 3 {
		msg, args := workerLine(t, "method", "GET", "host", "api.example.com", "status", 200, "bytes", 512, "duration", "12.3ms")
		worker.Info(msg, args...)
	}
	msg, args := workerLine(t, "method", "POST", "host", "API.example.com", "status", 503, "bytes", 0, "duration", "40ms")
	worker.Info(msg, args...)
	// The endowment's line for a request that got no response.
	msg, args = workerLine(t, "method", "GET", "host", "127.0.0.1:8080", "status", 0, "bytes", 0, "duration", "1ms", "error", "connection refused")
	worker.Info(msg, args...)
	// A response whose body was cut short counts as an error too.
	msg, args = workerLine(t, "method", "GET", "host", "127.0.0.1:8080", "status", 200, "bytes", 10, "duration", "3ms", "error", "vat stopped")
	worker.Info(msg, args...)

	// Not fetch requests: another message, a kernel logger, no host.
	worker.Info("fetching the weather", "host", "api.example.com", "status", 200)
	kernel.Named("kernel").Info(FetchLogMessage, "host", "api.example.com", "status", 200)
	worker.Info(FetchLogMessage, "allowedHosts", "api.example.com")
	worker.Warn("fetch refused", "method", "GET", "host", "evil.example", "reason", "not allowed")

	for _, c := range []struct {
		host, status string
		want         float64
	}{
		{"api.example.com", "200", 3},
		{"api.example.com", "503", 1},
		{"127.0.0.1:8080", "error", 2},
	} {
		if got := value(t, reg, "ocap_fetch_requests_total", "host="+c.host, "status="+c.status); got != c.want {
			t.Errorf("fetches{host=%s,status=%s} = %v, want %v", c.host, c.status, got, c.want)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "ocap_fetch_requests_total" && len(f.GetMetric()) != 3 {
			t.Errorf("%d fetch series, want 3", len(f.GetMetric()))
		}
	}
}

func TestFetchHostsAreBounded(t *testing.T) {
	reg, k := setup(t)
	_, worker := kernelLogger(t, k)
	for i := range maxFetchHosts + 5 {
		worker.Info(FetchLogMessage, "host", fmt.Sprintf("h%d.example", i), "status", "200")
	}
	if got := value(t, reg, "ocap_fetch_requests_total", "host=other", "status=200"); got != 5 {
		t.Errorf("fetches past %d hosts counted as other: %v, want 5", maxFetchHosts, got)
	}
	if got := value(t, reg, "ocap_fetch_requests_total", "host=h0.example", "status=200"); got != 1 {
		t.Errorf("first host: %v, want 1", got)
	}
}

func TestStatusCode(t *testing.T) {
	for in, want := range map[any]string{
		float64(200): "200", 404: "404", int64(302): "302", "500": "500",
		0: "", float64(0): "", "": "", "OK": "", 99: "", 600: "", nil: "",
	} {
		if got := statusCode(in); got != want {
			t.Errorf("statusCode(%#v) = %q, want %q", in, got, want)
		}
	}
}
