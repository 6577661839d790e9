package metrics

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// setup is a fresh registry with the kernel's collectors on it.
func setup(t *testing.T) (*prometheus.Registry, *Kernel) {
	t.Helper()
	reg := prometheus.NewRegistry()
	k, err := New(reg)
	if err != nil {
		t.Fatal(err)
	}
	return reg, k
}

// value gathers reg and returns the value of the series name{labels}
// (labels as "k=v" pairs): a counter's or gauge's value, a histogram's
// sample count. A series that is not there fails the test.
func value(t *testing.T, reg prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	v, ok := lookup(t, reg, name, labels...)
	if !ok {
		t.Fatalf("no series %s{%s}", name, strings.Join(labels, ","))
	}
	return v
}

func lookup(t *testing.T, reg prometheus.Gatherer, name string, labels ...string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gathering: %v", err)
	}
	want := strings.Join(labels, ",")
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if labelString(m) != want {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func labelString(m *dto.Metric) string {
	var pairs []string
	for _, l := range m.GetLabel() {
		pairs = append(pairs, l.GetName()+"="+l.GetValue())
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

func TestNewNeedsARegisterer(t *testing.T) {
	if _, err := New(nil); err == nil || !strings.Contains(err.Error(), "prometheus.NewRegistry()") {
		t.Fatalf("New(nil): %v; want an error saying what to pass", err)
	}
}

func TestNewTwiceOnOneRegistryFails(t *testing.T) {
	reg, _ := setup(t)
	if _, err := New(reg); err == nil || !strings.Contains(err.Error(), "registering kernel metrics") {
		t.Fatalf("second New on the same registry: %v; want a registration error", err)
	}
}

func TestObserverCounts(t *testing.T) {
	reg, k := setup(t)

	k.Crank(3*time.Millisecond, true)
	k.Crank(time.Millisecond, false)
	k.Delivery("message")
	k.Delivery("notify")
	k.Delivery("notify")
	k.Syscall("send")
	k.RunQueue(7)
	k.WorkerRestarted("died-in-delivery")
	k.Revoked()
	k.ServiceCall("timer", "ok")
	k.ServiceCall("timer", "error")

	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"ocap_cranks_total", nil, 2},
		{"ocap_crank_failures_total", nil, 1},
		{"ocap_crank_duration_seconds", nil, 2},
		{"ocap_deliveries_total", []string{"kind=message"}, 1},
		{"ocap_deliveries_total", []string{"kind=notify"}, 2},
		{"ocap_deliveries_total", []string{"kind=startVat"}, 0},
		{"ocap_syscalls_total", []string{"kind=send"}, 1},
		{"ocap_syscalls_total", []string{"kind=resolve"}, 0},
		{"ocap_run_queue_length", nil, 7},
		{"ocap_worker_restarts_total", []string{"reason=died-in-delivery"}, 1},
		{"ocap_worker_restarts_total", []string{"reason=exited-idle"}, 0},
		{"ocap_revocations_total", nil, 1},
		{"ocap_kernel_service_calls_total", []string{"outcome=ok", "service=timer"}, 1},
		{"ocap_kernel_service_calls_total", []string{"outcome=error", "service=timer"}, 1},
	} {
		if got := value(t, reg, c.name, c.labels...); got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, strings.Join(c.labels, ","), got, c.want)
		}
	}
}

// Label values outside the known sets are counted as "other": whatever a
// caller passes, the number of series stays bounded.
func TestUnknownKindsAreOther(t *testing.T) {
	reg, k := setup(t)
	k.Delivery("ko42")
	k.Syscall("kp7")
	k.WorkerRestarted("because")
	k.ServiceCall("timer", "exploded")
	if got := value(t, reg, "ocap_deliveries_total", "kind=other"); got != 1 {
		t.Errorf("deliveries{kind=other} = %v", got)
	}
	if got := value(t, reg, "ocap_syscalls_total", "kind=other"); got != 1 {
		t.Errorf("syscalls{kind=other} = %v", got)
	}
	if got := value(t, reg, "ocap_worker_restarts_total", "reason=other"); got != 1 {
		t.Errorf("restarts{reason=other} = %v", got)
	}
	if got := value(t, reg, "ocap_kernel_service_calls_total", "outcome=other", "service=timer"); got != 1 {
		t.Errorf("service calls{outcome=other} = %v", got)
	}
	if _, ok := lookup(t, reg, "ocap_deliveries_total", "kind=ko42"); ok {
		t.Error("an unknown delivery kind became a label value")
	}
}

func TestNewRegistryHasRuntimeAndProcessMetrics(t *testing.T) {
	reg, _, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	value(t, reg, "go_goroutines")
	value(t, reg, "process_resident_memory_bytes")
	value(t, reg, "ocap_cranks_total")
}
