package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ocapgo/ocap/metrics"
)

// scrapeTimeout bounds one scrape. Collecting reads only small in-memory
// tables and /proc, never the crank loop, so it takes milliseconds even
// under load; the bound is a guard, not an expectation.
const scrapeTimeout = 5 * time.Second

// metricsServer is the /metrics endpoint of `kernel serve --metrics-addr`.
// A nil *metricsServer (no --metrics-addr) serves nothing.
type metricsServer struct {
	m     *metrics.Kernel
	hs    *http.Server
	log   hclog.Logger
	ready atomic.Bool
}

// listenMetrics binds addr and serves /metrics on it. The daemon calls it
// before it claims its socket or opens its store, so an address that cannot
// be bound stops it at once, with nothing started. It also hooks the
// kernel's logger so that the fetch lines of vats are counted.
func listenMetrics(addr string, base hclog.InterceptLogger) (*metricsServer, error) {
	if addr == "" {
		return nil, nil
	}
	reg, m, err := metrics.NewRegistry()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: cannot listen: %w", addr, err)
	}
	base.RegisterSink(m.FetchSink())
	log := base.Named("metrics")
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: log.StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Warn}),
		Timeout:  scrapeTimeout,
	}))
	s := &metricsServer{
		m:   m,
		hs:  &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		log: log,
	}
	// /healthz: the process serves; /readyz: the kernel is restored and
	// takes requests (503 while it starts and once it stops).
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	go func() {
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("the metrics endpoint stopped serving", "error", err)
		}
	}()
	log.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return s, nil
}

// setReady says what /readyz answers.
func (s *metricsServer) setReady(ready bool) {
	if s != nil {
		s.ready.Store(ready)
	}
}

// kernel is what ocap.Options.Metrics takes: nil without --metrics-addr.
func (s *metricsServer) kernel() *metrics.Kernel {
	if s == nil {
		return nil
	}
	return s.m
}

// close lets a scrape in flight finish, briefly, then closes the endpoint.
func (s *metricsServer) close() {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), httpTimeout)
	defer cancel()
	if err := s.hs.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("closing the metrics endpoint", "error", err)
	}
	_ = s.hs.Close()
}
