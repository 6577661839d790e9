package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/ocapgo/ocap"
)

// benchService is the Go kernel service of the service row.
type benchService struct{}

func (benchService) Add(a, b float64) float64 { return a + b }

// workload is one row: method(args...) sent to root runs times, after a
// warm-up call with warm (none when nil); each run's sample is count over
// its elapsed time.
type workload struct {
	name, unit   string
	root, method string
	args, warm   []any
	want         float64 // what the method answers
	count        float64
	runs         int
}

// messageRows runs the rows about messages (pingpong, pipelined, fanout,
// service, host from Go, bytes) in one kernel over url. Each workload but
// the host's runs inside the driver vat, alice: the host times the one
// call that starts it.
func messageRows(ctx context.Context, cfg config, url, s string, out *reporter) (err error) {
	k, db, err := newKernel(ctx, url)
	if err != nil {
		return err
	}
	defer stop(ctx, k, db, &err)
	if err := k.RegisterKernelServiceObject("bench", benchService{}); err != nil {
		return err
	}
	pp, err := benchCluster("pingpong.json")
	if err != nil {
		return err
	}
	pp.Services = []string{"bench"}
	res, err := k.LaunchSubcluster(ctx, pp)
	if err != nil {
		return fmt.Errorf("launching pingpong.json: %w", err)
	}
	alice := res.RootKref
	n := cfg.roundTrips
	warm := []any{min(n, 100)}

	var rows []workload
	if cfg.rows["pingpong"] {
		rows = append(rows, workload{"pingpong", "round trips/s", alice, "pingPong", []any{n}, warm, float64(n), float64(n), cfg.runs})
	}
	if cfg.rows["pipelined"] {
		for _, p := range cfg.pipelined {
			// Larger sizes take long (and longer than linearly): fewer runs.
			runs := cfg.runs
			if p >= 10_000 {
				runs = min(runs, 3)
			}
			rows = append(rows, workload{fmt.Sprintf("pipelined/%d", p), "sends/s", alice, "pipelined", []any{p}, []any{100}, float64(p), float64(p), runs})
		}
	}
	if cfg.rows["service"] {
		rows = append(rows, workload{"service", "calls/s", alice, "callService", []any{n}, warm, float64(n), float64(n), cfg.runs})
	}
	if cfg.rows["bytes"] {
		rows = append(rows, workload{"bytes/1MiB", "MiB/s", alice, "bytes", []any{cfg.mib, 1 << 20}, []any{1, 1 << 20}, float64(cfg.mib << 20), float64(cfg.mib), cfg.runs})
	}
	if cfg.rows["host"] {
		tcfg, err := benchCluster("target.json")
		if err != nil {
			return err
		}
		res, err := k.LaunchSubcluster(ctx, tcfg)
		if err != nil {
			return fmt.Errorf("launching target.json: %w", err)
		}
		rows = append(rows, workload{name: "host/go", unit: "round trips/s", root: res.RootKref, count: float64(n), runs: cfg.runs})
	}
	if cfg.rows["fanout"] {
		fcfg, err := targetsCluster(max(cfg.fanout[len(cfg.fanout)-1], 1), true)
		if err != nil {
			return err
		}
		res, err := k.LaunchSubcluster(ctx, fcfg)
		if err != nil {
			return fmt.Errorf("launching the fanout cluster: %w", err)
		}
		for _, f := range cfg.fanout {
			rounds := max(cfg.fanoutMsgs/f, 1)
			rows = append(rows, workload{fmt.Sprintf("fanout/%d", f), "messages/s", res.RootKref, "fanout", []any{f, rounds}, []any{f, 1}, float64(f * rounds), float64(f * rounds), cfg.runs})
		}
	}
	for _, w := range rows {
		if err := measure(ctx, k, w, s, out); err != nil {
			return err
		}
	}
	return nil
}

// measure runs one workload and reports its row. A workload without a
// method is the host's own loop: count QueueMessage round trips of ping.
func measure(ctx context.Context, k *ocap.Kernel, w workload, s string, out *reporter) error {
	if w.method == "" {
		return measureHost(ctx, k, w, s, out)
	}
	if w.warm != nil {
		if _, err := k.QueueMessage(ctx, w.root, w.method, w.warm); err != nil {
			return fmt.Errorf("%s warm-up: %w", w.name, err)
		}
	}
	var samples []float64
	for i := 0; i < w.runs; i++ {
		stopProfile := func() {}
		if w.name == "pingpong" && s == "sqlite" {
			var err error
			if stopProfile, err = startProfile(); err != nil {
				return err
			}
		}
		start := time.Now()
		res, err := k.QueueMessage(ctx, w.root, w.method, w.args)
		elapsed := time.Since(start)
		stopProfile()
		if err != nil {
			return fmt.Errorf("%s: %w", w.name, err)
		}
		if v, _ := res.Unmarshal(); v != w.want {
			return fmt.Errorf("%s: %s%v answered %v, want %v", w.name, w.method, w.args, v, w.want)
		}
		samples = append(samples, w.count/elapsed.Seconds())
	}
	out.add(w.name, s, w.unit, samples)
	return nil
}

// measureHost times w.count QueueMessage round trips to the target vat's
// ping per run, one after another.
func measureHost(ctx context.Context, k *ocap.Kernel, w workload, s string, out *reporter) error {
	ping := func(i int) error {
		res, err := k.QueueMessage(ctx, w.root, "ping", []any{i})
		if err != nil {
			return fmt.Errorf("%s: ping(%d): %w", w.name, i, err)
		}
		if v, _ := res.Unmarshal(); v != float64(i+1) {
			return fmt.Errorf("%s: ping(%d) answered %v", w.name, i, v)
		}
		return nil
	}
	for i := 0; i < 100; i++ { // warm up
		if err := ping(i); err != nil {
			return err
		}
	}
	var samples []float64
	for r := 0; r < w.runs; r++ {
		start := time.Now()
		for i := 0; i < int(w.count); i++ {
			if err := ping(i); err != nil {
				return err
			}
		}
		samples = append(samples, w.count/time.Since(start).Seconds())
	}
	out.add(w.name, s, w.unit, samples)
	return nil
}

// startProfile starts the CPU profile of -cpuprofile, once; the returned
// function stops it.
func startProfile() (func(), error) {
	if profilePath == "" {
		return func() {}, nil
	}
	f, err := os.Create(profilePath)
	if err != nil {
		return nil, err
	}
	profilePath = ""
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
