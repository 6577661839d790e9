package metrics

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
)

// FetchLogMessage is the message of the line the fetch endowment
// (package endowments) logs on the vat's logger, at info, when a request
// ends:
//
//	fetch: method=GET host=api.example.com status=200 bytes=512 duration=12.3ms
//	fetch: method=GET host=127.0.0.1:8080 status=0 bytes=0 duration=1ms error="connection refused"
//
// fetch runs inside the worker, so the kernel learns of a request only
// through that line: the worker writes it as JSON on stderr, and the
// kernel re-logs it under the logger "<platform>.vat-worker.<vat id>".
// FetchSink counts these lines by host and status: the HTTP status code,
// or "error" when the line carries an error (no response, or the exchange
// was aborted). Refused requests ("fetch refused" lines) are not counted:
// their hosts are whatever a vat asks for, not an allowlist's.
const FetchLogMessage = "fetch"

// maxFetchHosts bounds the host label. Hosts are limited by the vats'
// allowlists, but a kernel with many subclusters could still list many;
// past this number they are counted as "other".
const maxFetchHosts = 100

// FetchSink returns an hclog sink to register on the kernel's logger
// (hclog.InterceptLogger.RegisterSink). Lines logged at a level the
// logger filters out never reach the kernel, so fetches are counted at
// log level info or below.
func (k *Kernel) FetchSink() hclog.SinkAdapter { return k.fetches }

type fetchCounter struct {
	vec *prometheus.CounterVec

	mu    sync.Mutex
	hosts map[string]bool
}

func newFetchCounter(vec *prometheus.CounterVec) *fetchCounter {
	return &fetchCounter{vec: vec, hosts: map[string]bool{}}
}

// Accept implements hclog.SinkAdapter.
func (f *fetchCounter) Accept(name string, _ hclog.Level, msg string, args ...any) {
	if msg != FetchLogMessage || !strings.Contains(name, "vat-worker") {
		return
	}
	var host, status string
	failed := false
	for i := 0; i+1 < len(args); i += 2 {
		key, _ := args[i].(string)
		switch key {
		case "host":
			host = strings.ToLower(fmt.Sprint(args[i+1]))
		case "status":
			status = statusCode(args[i+1])
		case "error":
			failed = failed || fmt.Sprint(args[i+1]) != ""
		}
	}
	if host == "" {
		return // not a fetch request line
	}
	if failed || status == "" {
		status = "error"
	}
	f.vec.WithLabelValues(f.boundHost(host), status).Inc()
}

// boundHost returns host, or "other" once maxFetchHosts hosts are known.
func (f *fetchCounter) boundHost(host string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hosts[host] {
		return host
	}
	if len(f.hosts) >= maxFetchHosts {
		return "other"
	}
	f.hosts[host] = true
	return host
}

// statusCode reads an HTTP status code as the line carries it: a JSON
// number once re-logged by the kernel (float64), or an int or a string.
// Anything else, 0 included, is no status.
func statusCode(v any) string {
	var code int
	switch s := v.(type) {
	case float64:
		code = int(s)
	case int:
		code = s
	case int64:
		code = int(s)
	case string:
		code, _ = strconv.Atoi(s)
	}
	if code < 100 || code > 599 {
		return ""
	}
	return strconv.Itoa(code)
}
