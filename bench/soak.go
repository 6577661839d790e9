package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/router/keeper"
	"github.com/ocapgo/ocap/store"
)

// soak runs the long-run benchmark of garbage collection (make soak): n
// vat-to-vat round trips and exos short-lived exos, each made by one vat,
// passed to another and dropped, on SQLite. It reports, after the first
// 10,000 round trips (and their share of the exos) and at the end (after
// CollectGarbage): the store's
// keys by table, the kernel's heap, each worker's RSS and the time a new
// kernel over the store takes until both vats answer.
func soak(ctx context.Context, dir string, n, exos int) error {
	const batch = 10000
	dbURL := "sqlite://" + filepath.Join(dir, "soak.db")
	open := func() (*ocap.Kernel, store.Store, error) { return newKernel(ctx, dbURL) }
	k, db, err := open()
	if err != nil {
		return err
	}
	cfg, err := ocap.LoadClusterConfig(filepath.Join(repoRoot(), "testdata", "clusters", "soak.json"))
	if err != nil {
		return err
	}
	res, err := k.LaunchSubcluster(ctx, cfg)
	if err != nil {
		return err
	}
	root := res.RootKref
	call := func(method string, count int) error {
		out, err := k.QueueMessage(ctx, root, method, []any{count})
		if err != nil {
			return fmt.Errorf("%s(%d): %w", method, count, err)
		}
		if v, _ := out.Unmarshal(); v != float64(count) {
			return fmt.Errorf("%s(%d) returned %v", method, count, v)
		}
		return nil
	}
	// restart stops the kernel and times a new one over the store until
	// every vat answers.
	restart := func(afterStop func() error) (time.Duration, error) {
		st, err := k.GetStatus(ctx)
		if err != nil {
			return 0, err
		}
		if err := k.Stop(ctx); err != nil {
			return 0, err
		}
		// Every crank is durable now: the store is as the kernel left it.
		if err := afterStop(); err != nil {
			return 0, err
		}
		db.Close()
		start := time.Now()
		if k, db, err = open(); err != nil {
			return 0, err
		}
		for _, v := range st.Vats {
			if _, err := k.PingVat(ctx, v.ID); err != nil {
				return 0, err
			}
		}
		return time.Since(start), nil
	}
	type snapshot struct {
		phase   string
		keys    map[string]int
		total   int
		heap    uint64
		rss     []string
		restart time.Duration
	}
	take := func(phase string) (snapshot, error) {
		s := snapshot{phase: phase, keys: map[string]int{}}
		if err := k.CollectGarbage(ctx); err != nil {
			return s, err
		}
		countKeys := func() error {
			return db.Scan(ctx, "", func(key, _ string) error {
				family, ok := keeper.Family(key)
				if !ok {
					family = "?"
				}
				s.keys[strings.SplitN(family, ".", 2)[0]+".*"]++
				s.total++
				return nil
			})
		}
		s.heap = liveHeap()
		st, err := k.GetStatus(ctx)
		if err != nil {
			return s, err
		}
		for _, v := range st.Vats {
			s.rss = append(s.rss, fmt.Sprintf("%s %s", v.ID, rss(v.PID)))
		}
		s.restart, err = restart(countKeys)
		return s, err
	}

	// The workload: round trips in batches, each followed by its share of
	// the exos; the first snapshot comes after the first batch of both.
	batches := max(n/batch, 1)
	exoBatch := exos / batches
	runBatch := func() error {
		if err := call("pingPong", batch); err != nil {
			return err
		}
		if exoBatch > 0 {
			return call("passThings", exoBatch)
		}
		return nil
	}
	start := time.Now()
	if err := runBatch(); err != nil {
		return err
	}
	first, err := take(fmt.Sprintf("after %d round trips and %d exos", batch, exoBatch))
	if err != nil {
		return err
	}
	for i := 1; i < batches; i++ {
		if err := runBatch(); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "soak: %d round trips, %d exos, %s\n", (i+1)*batch, (i+1)*exoBatch, time.Since(start).Round(time.Second))
	}
	last, err := take(fmt.Sprintf("after %d round trips and %d exos", batches*batch, batches*exoBatch))
	if err != nil {
		return err
	}
	defer db.Close()
	defer k.Stop(ctx)

	families := map[string]bool{}
	for _, s := range []snapshot{first, last} {
		for f := range s.keys {
			families[f] = true
		}
	}
	var names []string
	for f := range families {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, s := range []snapshot{first, last} {
		fmt.Printf("%s:\n", s.phase)
		fmt.Printf("  %-30s %10d\n", "store keys", s.total)
		for _, f := range names {
			fmt.Printf("  %-30s %10d\n", "  "+f, s.keys[f])
		}
		fmt.Printf("  %-30s %10.0f KiB\n", "kernel heap (after GC)", float64(s.heap)/(1<<10))
		fmt.Printf("  %-30s %s\n", "worker RSS", strings.Join(s.rss, ", "))
		fmt.Printf("  %-30s %10.1f ms\n", "restart until vats answer", ms(s.restart))
	}
	fmt.Printf("soak took %s\n", time.Since(start).Round(time.Second))
	return nil
}

// rss prints a process's resident set size as /proc shows it ("?" if
// unreadable).
func rss(pid int) string {
	if b := rssBytes(strconv.Itoa(pid)); b > 0 {
		return fmt.Sprintf("%d kB", b>>10)
	}
	return "?"
}
