package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/ocapgo/ocap"
)

// launchRows times LaunchSubcluster of the driver with n-1 targets (n
// vats; n = 2 is pingpong.json) for each n of cfg.launchVats, by a kernel
// with no spare workers and by one that keeps n. Each run starts with
// no vat running and, with spares, all n spares started (their processes
// up, then 200 ms for their handshakes).
func launchRows(ctx context.Context, cfg config, url, s string, out *reporter) error {
	for _, n := range cfg.launchVats {
		lcfg, err := targetsCluster(n-1, true)
		if err != nil {
			return err
		}
		for _, spares := range []int{0, n} {
			samples, err := launches(ctx, url, lcfg, spares, cfg.runs)
			if err != nil {
				return fmt.Errorf("launch of %d vats with %d spares: %w", n, spares, err)
			}
			name := fmt.Sprintf("launch/%d", n)
			if spares > 0 {
				name += "+spares"
			}
			out.add(name, s, "ms", samples)
		}
	}
	return nil
}

func launches(ctx context.Context, url string, lcfg *ocap.ClusterConfig, spares, runs int) (samples []float64, err error) {
	k, db, err := newKernelWith(ctx, url, spares)
	if err != nil {
		return nil, err
	}
	defer stop(ctx, k, db, &err)
	// The first launch warms the bundle cache and starts the spares (a
	// kernel starts them after its first launch).
	for i := -1; i < runs; i++ {
		if i >= 0 {
			if err := waitChildren(spares); err != nil {
				return nil, err
			}
			if spares > 0 {
				// A spare's process exists before its handshake is done.
				time.Sleep(200 * time.Millisecond)
			}
		}
		start := time.Now()
		res, err := k.LaunchSubcluster(ctx, lcfg)
		if err != nil {
			return nil, err
		}
		if i >= 0 {
			samples = append(samples, ms(time.Since(start)))
		}
		if err := k.TerminateSubcluster(ctx, res.SubclusterID); err != nil {
			return nil, err
		}
	}
	return samples, nil
}

// restartRows launches cfg.idleVats idle target vats, then times
// cfg.restarts kernel restarts over the same store (store opened, every
// vat restored from its baggage) until every vat answers PingVat, and
// measures the kernel's RSS with all of them running.
func restartRows(ctx context.Context, cfg config, url, s string, out *reporter) error {
	icfg, err := targetsCluster(cfg.idleVats, false)
	if err != nil {
		return err
	}
	k, db, err := newKernel(ctx, url)
	if err != nil {
		return err
	}
	_, err = k.LaunchSubcluster(ctx, icfg)
	var st *ocap.KernelStatus
	if err == nil {
		st, err = k.GetStatus(ctx)
	}
	if err == nil && len(st.Vats) != cfg.idleVats {
		err = fmt.Errorf("%d vats running after the launch, want %d", len(st.Vats), cfg.idleVats)
	}
	stop(ctx, k, db, &err)
	if err != nil {
		return err
	}

	var times, rss []float64
	for i := 0; i < cfg.restarts; i++ {
		start := time.Now()
		k, db, err := newKernel(ctx, url)
		if err != nil {
			return err
		}
		err = pingAll(ctx, k, st)
		if err == nil {
			times = append(times, ms(time.Since(start)))
			rss = append(rss, mib(kernelRSS()))
		}
		stop(ctx, k, db, &err)
		if err != nil {
			return fmt.Errorf("restart: %w", err)
		}
	}
	out.add(fmt.Sprintf("restart/%d", cfg.idleVats), s, "ms", times)
	out.add(fmt.Sprintf("rss/kernel-%d-vats", cfg.idleVats), s, "MiB", rss)

	// The same store restored on demand: until the kernel is up and the
	// last vat, started for it, answers a ping. The other vats stay
	// dormant, which the run checks.
	times = times[:0]
	last := st.Vats[len(st.Vats)-1].ID
	for i := 0; i < cfg.restarts; i++ {
		start := time.Now()
		k, db, err := openKernel(ctx, url, 0, ocap.Options{RestoreOnDemand: true})
		if err != nil {
			return err
		}
		if pong, perr := k.PingVat(ctx, last); perr != nil || pong != "pong" {
			err = fmt.Errorf("ping vat %s: %q, %v", last, pong, perr)
		}
		if err == nil {
			times = append(times, ms(time.Since(start)))
			err = onlyStarted(ctx, k, last)
		}
		stop(ctx, k, db, &err)
		if err != nil {
			return fmt.Errorf("restart on demand: %w", err)
		}
	}
	out.add(fmt.Sprintf("restart/%d/on-demand", cfg.idleVats), s, "ms", times)
	return nil
}

// onlyStarted fails unless vat is the one vat of k with a worker.
func onlyStarted(ctx context.Context, k *ocap.Kernel, vat string) error {
	pids, err := k.WorkerPIDs(ctx)
	if err != nil {
		return err
	}
	if _, ok := pids[vat]; !ok || len(pids) != 1 {
		return fmt.Errorf("workers after an on-demand restore and one ping: %v, want only %s's", pids, vat)
	}
	return nil
}

func pingAll(ctx context.Context, k *ocap.Kernel, st *ocap.KernelStatus) error {
	for _, v := range st.Vats {
		if pong, err := k.PingVat(ctx, v.ID); err != nil || pong != "pong" {
			return fmt.Errorf("ping vat %s: %q, %v", v.ID, pong, err)
		}
	}
	return nil
}

// idleTrim is how long the workers of the rss/vat-idle rows wait without a
// delivery before they drop their code pages (a worker's default: a
// minute; see cmd/vat-worker).
const idleTrim = time.Second

// rssRows measures an idle vat's memory: starting from 10 idle target
// vats, each run launches 10 more and reports the growth of the RSS summed
// over the kernel (this process) and all its workers, divided by 10 (how
// the JavaScript kernels measure it), and the mean PSS of the workers.
// With trim > 0 the workers drop their code pages after trim without a
// delivery, as they do after a minute by default, and each run measures
// once they have: the rows of a vat left idle (rss/vat-idle, pss/vat-idle).
func rssRows(ctx context.Context, cfg config, url string, trim time.Duration, out *reporter) (err error) {
	const step = 10
	var env []string
	suffix := ""
	if trim > 0 {
		env, suffix = []string{"OCAP_WORKER_IDLE_TRIM=" + trim.String()}, "-idle"
	}
	k, db, err := openKernel(ctx, url, 0, ocap.Options{}, env...)
	if err != nil {
		return err
	}
	defer stop(ctx, k, db, &err)
	icfg, err := targetsCluster(step, false)
	if err != nil {
		return err
	}
	// total launches 10 more idle vats and answers the summed RSS and
	// the workers' mean PSS once all of them answer a ping.
	total := func() (rss, pss int64, err error) {
		if _, err := k.LaunchSubcluster(ctx, icfg); err != nil {
			return 0, 0, err
		}
		st, err := k.GetStatus(ctx)
		if err != nil {
			return 0, 0, err
		}
		if err := pingAll(ctx, k, st); err != nil {
			return 0, 0, err
		}
		if trim > 0 {
			// Every worker has had its last delivery (the ping); the
			// trim follows it by trim.
			time.Sleep(trim + time.Second)
		}
		pids, err := k.WorkerPIDs(ctx)
		if err != nil {
			return 0, 0, err
		}
		rss = kernelRSS()
		for _, pid := range pids {
			rss += rssBytes(strconv.Itoa(pid))
			pss += pssBytes(strconv.Itoa(pid))
		}
		return rss, pss / int64(max(len(pids), 1)), nil
	}
	last, _, err := total()
	if err != nil {
		return err
	}
	var perVat, pss []float64
	for i := 0; i < cfg.rssSteps; i++ {
		rss, p, err := total()
		if err != nil {
			return err
		}
		perVat = append(perVat, mib((rss-last)/step))
		pss = append(pss, mib(p))
		last = rss
	}
	out.add("rss/vat"+suffix, "sqlite", "MiB", perVat)
	out.add("pss/vat"+suffix, "sqlite", "MiB", pss)
	return nil
}
