// Package metrics is the kernel's Prometheus instrumentation. A Kernel holds
// every collector; it is registered on a prometheus.Registerer the caller
// owns (never the global default) and fed from four places:
//
//   - the crank loop, through router.Observer (cranks, deliveries, syscalls,
//     run-queue length, restarts, revocations, kernel-service calls);
//   - Store, a decorator around the store (commit duration and errors);
//   - Launcher, a decorator around the platform (worker starts and exits);
//   - FetchSink, an hclog sink on the kernel logger that counts the fetch
//     lines vats log (fetch runs inside workers, out of the kernel's sight).
//
// Live vats, subclusters and worker memory are read when Prometheus
// scrapes, from a Source (the router), without waiting for the crank loop.
//
//	reg, m, err := metrics.NewRegistry()
//	k, err := ocap.Make(ctx, launcher, db, ocap.Options{Metrics: m})
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
package metrics

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ocapgo/ocap/router"
)

const namespace = "ocap"

// Known label values. Each is set to zero up front, so that a dashboard
// shows a flat line rather than nothing before the first event; anything
// else is counted as "other", which keeps the label sets bounded whatever
// a caller passes.
var (
	deliveryKinds   = []string{"message", "notify", "startVat", "flush", "ping"}
	syscallKinds    = []string{"send", "subscribe", "resolve", "exit", "vatstoreSet", "vatstoreDelete", "drop"}
	restartReasons  = []string{"died-in-delivery", "exited-idle"}
	serviceOutcomes = []string{"ok", "error", "panic"}
	startOutcomes   = []string{"ok", "error"}
	exitReasons     = []string{reasonKilled, reasonExited, reasonCrashed}
	remoteEvents    = []string{"sent", "received", "retransmitted", "duplicate", "refused"}
	refusalReasons  = []string{"size", "rate", "queue", "connections", "unreachable", "frame"}
)

// Kernel holds the kernel's collectors. Its methods are safe for concurrent
// use and return at once. A nil *Kernel is not usable: build one with New.
type Kernel struct {
	cranks        prometheus.Counter
	crankFailures prometheus.Counter
	crankDuration prometheus.Histogram
	runQueue      prometheus.Gauge
	deliveries    *prometheus.CounterVec
	syscalls      *prometheus.CounterVec
	restarts      *prometheus.CounterVec
	revocations   prometheus.Counter
	serviceCalls  *prometheus.CounterVec

	workerStarts *prometheus.CounterVec
	workerExits  *prometheus.CounterVec

	commitDuration *prometheus.HistogramVec
	commitErrors   *prometheus.CounterVec

	fetches *fetchCounter

	remoteFrames   *prometheus.CounterVec
	remoteRefusals *prometheus.CounterVec
	remotePeers    prometheus.Gauge

	live *liveCollector
}

var _ router.Observer = (*Kernel)(nil)

// New builds the kernel's collectors and registers them on reg.
func New(reg prometheus.Registerer) (*Kernel, error) {
	if reg == nil {
		return nil, errors.New("metrics.New: no Registerer (pass prometheus.NewRegistry())")
	}
	k := &Kernel{
		cranks: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "cranks_total",
			Help: "Cranks run from the run queue, committed or not.",
		}),
		crankFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "crank_failures_total",
			Help: "Cranks that did not commit (rolled back).",
		}),
		crankDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "crank_duration_seconds",
			Help: "Time of one crank: delivery, syscalls and commit.",
			// 0.5 ms to about 4 s: a crank is one round trip to a worker
			// and one commit.
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		runQueue: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "run_queue_length",
			Help: "Items in the durable run queue after the last crank.",
		}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "deliveries_total",
			Help: "Deliveries to vats, by kind.",
		}, []string{"kind"}),
		syscalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "syscalls_total",
			Help: "Syscalls made by vats, by kind.",
		}, []string{"kind"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "worker_restarts_total",
			Help: "Vats restarted because their worker died, by reason.",
		}, []string{"reason"}),
		revocations: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "revocations_total",
			Help: "Objects revoked.",
		}),
		serviceCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "kernel_service_calls_total",
			Help: "Calls to kernel services, by service and outcome (ok, error, panic).",
		}, []string{"service", "outcome"}),
		workerStarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "worker_starts_total",
			Help: "vat-worker processes launched, by outcome (ok, error).",
		}, []string{"outcome"}),
		workerExits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "worker_exits_total",
			Help: "vat-worker processes that ended, by reason (killed: by the kernel; exited: by themselves with status 0; crashed: any other way).",
		}, []string{"reason"}),
		commitDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "store_commit_duration_seconds",
			Help: "Time of one store commit (the writes of one or more cranks), by driver.",
			// 0.1 ms to about 1.6 s: SQLite in WAL commits in well under
			// a millisecond, PostgreSQL in one network round trip or more.
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 15),
		}, []string{"driver"}),
		commitErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "store_commit_errors_total",
			Help: "Store commits that failed, by driver.",
		}, []string{"driver"}),
		fetches: newFetchCounter(prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "fetch_requests_total",
			Help: "fetch requests made by vats, by host and status (an HTTP status code, or \"error\").",
		}, []string{"host", "status"})),
		remoteFrames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "remote_frames_total",
			Help: "Frames between this kernel and peer kernels, by event (sent, received, retransmitted, duplicate: received before, refused: broke the rules).",
		}, []string{"event"}),
		remoteRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "remote_refusals_total",
			Help: "What the network layer refused or dropped, by reason (size, rate, queue, connections, unreachable).",
		}, []string{"reason"}),
		remotePeers: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "remote_peers_connected",
			Help: "Peer kernels connected now.",
		}),
		live: newLiveCollector(),
	}
	for _, e := range remoteEvents {
		k.remoteFrames.WithLabelValues(e)
	}
	for _, r := range refusalReasons {
		k.remoteRefusals.WithLabelValues(r)
	}
	for _, kind := range deliveryKinds {
		k.deliveries.WithLabelValues(kind)
	}
	for _, kind := range syscallKinds {
		k.syscalls.WithLabelValues(kind)
	}
	for _, r := range restartReasons {
		k.restarts.WithLabelValues(r)
	}
	for _, o := range startOutcomes {
		k.workerStarts.WithLabelValues(o)
	}
	for _, r := range exitReasons {
		k.workerExits.WithLabelValues(r)
	}
	for _, c := range []prometheus.Collector{
		k.cranks, k.crankFailures, k.crankDuration, k.runQueue, k.deliveries, k.syscalls,
		k.restarts, k.revocations, k.serviceCalls, k.workerStarts, k.workerExits,
		k.commitDuration, k.commitErrors, k.fetches.vec, k.live,
		k.remoteFrames, k.remoteRefusals, k.remotePeers,
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering kernel metrics: %w", err)
		}
	}
	return k, nil
}

// NewRegistry returns a fresh registry holding the kernel's collectors and
// the Go runtime and process collectors: what `kernel serve` exposes.
func NewRegistry() (*prometheus.Registry, *Kernel, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, nil, fmt.Errorf("registering Go runtime metrics: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, nil, fmt.Errorf("registering process metrics: %w", err)
	}
	k, err := New(reg)
	if err != nil {
		return nil, nil, err
	}
	return reg, k, nil
}

// Crank implements router.Observer.
func (k *Kernel) Crank(elapsed time.Duration, committed bool) {
	k.cranks.Inc()
	if !committed {
		k.crankFailures.Inc()
	}
	k.crankDuration.Observe(elapsed.Seconds())
}

// Delivery implements router.Observer.
func (k *Kernel) Delivery(kind string) {
	k.deliveries.WithLabelValues(known(kind, deliveryKinds)).Inc()
}

// Syscall implements router.Observer.
func (k *Kernel) Syscall(kind string) {
	k.syscalls.WithLabelValues(known(kind, syscallKinds)).Inc()
}

// RunQueue implements router.Observer.
func (k *Kernel) RunQueue(length int64) { k.runQueue.Set(float64(length)) }

// WorkerRestarted implements router.Observer.
func (k *Kernel) WorkerRestarted(reason string) {
	k.restarts.WithLabelValues(known(reason, restartReasons)).Inc()
}

// Revoked implements router.Observer.
func (k *Kernel) Revoked() { k.revocations.Inc() }

// ServiceCall implements router.Observer. Service names come from the
// host's configuration, so they form a bounded set.
func (k *Kernel) ServiceCall(service, outcome string) {
	k.serviceCalls.WithLabelValues(service, known(outcome, serviceOutcomes)).Inc()
}

// known returns v if it is one of set, else "other".
func known(v string, set []string) string {
	for _, s := range set {
		if v == s {
			return v
		}
	}
	return "other"
}

// Remote implements router.Observer.
func (k *Kernel) Remote(event string) {
	k.remoteFrames.WithLabelValues(known(event, remoteEvents)).Inc()
}

// FrameSent, FrameReceived, FrameRefused and PeersConnected implement the
// network layer's observer (package remote). Peer IDs are not labels: a
// hostile network could make them unbounded.
func (k *Kernel) FrameSent(string)     {}
func (k *Kernel) FrameReceived(string) {}

// FrameRefused counts what the network layer refused, by reason.
func (k *Kernel) FrameRefused(_, reason string) {
	k.remoteRefusals.WithLabelValues(known(reason, refusalReasons)).Inc()
}

// PeersConnected sets the number of connected peer kernels.
func (k *Kernel) PeersConnected(n int) { k.remotePeers.Set(float64(n)) }
