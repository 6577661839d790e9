// Command bench measures the kernel end to end, with real vat-worker
// processes over real stores, and prints one row per measurement: the
// median of several runs with their minimum and maximum, for SQLite and
// for PostgreSQL wherever a store is involved. bench/README.md defines
// every row's workload; the vats are in bench/vats.
//
// make bench runs it (make bench-quick: -quick, under a minute); -json
// prints one JSON object per row; -rows picks row groups. -soak runs the
// garbage-collection soak instead (make soak).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// config is what the flags chose: row groups, stores and sizes.
type config struct {
	rows       map[string]bool
	stores     []string
	pgURL      string
	kernelPath string // the kernel binary, for the host row's daemon

	runs       int   // runs of each row (the restart row: restartRuns)
	roundTrips int   // pingpong, remote, service, host (Go): messages per run
	pipelined  []int // sends queued on one promise, one row each
	fanout     []int // target vats, one row each
	fanoutMsgs int   // messages per fanout run
	mib        int   // bytes: 1 MiB messages per run
	cliSends   int   // host (CLI): kernel send calls per run
	launchVats []int // vats per launched subcluster, one row each
	idleVats   int   // restart: idle vats restored
	restarts   int   // restart: runs
	rssSteps   int   // rss: runs, each adding 10 idle vats
	bigEntries int   // big store rows: entries (0: none)
}

// rowGroups lists the row groups in the order they run.
var rowGroups = []string{"pingpong", "pipelined", "fanout", "service", "host", "bytes", "remote", "launch", "restart", "rss", "bigstore"}

func main() {
	quick := flag.Bool("quick", false, "small sizes and fewer runs: the whole run takes under a minute")
	jsonOut := flag.Bool("json", false, "print one JSON object per row (name, store, value, unit, n, min, max) instead of the table")
	rows := flag.String("rows", strings.Join(rowGroups, ","), "row groups to run, comma-separated")
	stores := flag.String("stores", "", "stores to run the store rows on, comma-separated (default sqlite,postgres; -quick sqlite)")
	runs := flag.Int("runs", 0, "runs of each row (default 5, -quick 3)")
	roundTrips := flag.Int("round-trips", 0, "messages per run of pingpong, remote, service and host (default 2000, -quick 300)")
	pipelined := flag.String("pipelined", "", "sends queued on one promise, one row each, comma-separated (default 1000,10000; -quick 1000)")
	idleVats := flag.Int("idle-vats", 100, "idle vats the restart row restores")
	bigEntries := flag.Int("big-store-entries", 100_000, "entries of the big store rows (0: skip them; -quick skips them)")
	bigOnly := flag.Bool("big-store-only", false, "run the big store rows only")
	kernelPath := flag.String("kernel", defaultKernelPath(), "the kernel binary the host row's daemon runs")
	cpuProfile := flag.String("cpuprofile", "", "write the kernel's CPU profile of the first SQLite pingpong run to this file")
	workerProfiles := flag.String("worker-cpuprofile-dir", "", "make every vat-worker write its CPU profile into this folder")
	soakRoundTrips := flag.Int("soak", 0, "run the garbage-collection soak instead: this many round trips")
	soakExos := flag.Int("soak-exos", 100000, "short-lived exos the soak passes between vats")
	pgURL := flag.String("postgres", envOr("OCAP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL server for the PostgreSQL rows")
	flag.Parse()
	profilePath = *cpuProfile
	if *workerProfiles != "" {
		workerEnv = []string{"OCAP_WORKER_CPUPROFILE_DIR=" + *workerProfiles}
	}
	if *soakRoundTrips > 0 {
		dir, err := os.MkdirTemp("", "ocap-soak-")
		if err == nil {
			defer os.RemoveAll(dir)
			err = soak(context.Background(), dir, *soakRoundTrips, *soakExos)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			os.Exit(1)
		}
		return
	}

	cfg := config{
		rows: map[string]bool{}, pgURL: *pgURL, kernelPath: *kernelPath,
		runs: 5, roundTrips: 2000,
		pipelined: []int{1000, 10_000}, fanout: []int{1, 10, 50}, fanoutMsgs: 1000,
		mib: 20, cliSends: 30, launchVats: []int{2, 20},
		idleVats: *idleVats, restarts: 3, rssSteps: 5, bigEntries: *bigEntries,
	}
	if *quick {
		cfg.runs, cfg.roundTrips = 3, 300
		cfg.pipelined, cfg.fanoutMsgs, cfg.mib, cfg.cliSends = []int{1000}, 200, 5, 10
		cfg.idleVats, cfg.restarts, cfg.rssSteps, cfg.bigEntries = min(cfg.idleVats, 20), 1, 2, 0
	}
	if *runs > 0 {
		cfg.runs = *runs
	}
	if *roundTrips > 0 {
		cfg.roundTrips = *roundTrips
	}
	if *pipelined != "" {
		cfg.pipelined = nil
		for _, p := range strings.Split(*pipelined, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n <= 0 {
				fmt.Fprintf(os.Stderr, "bench: -pipelined: %q is not a positive number\n", p)
				os.Exit(2)
			}
			cfg.pipelined = append(cfg.pipelined, n)
		}
	}
	for _, r := range strings.Split(*rows, ",") {
		r = strings.TrimSpace(r)
		if !slices.Contains(rowGroups, r) {
			fmt.Fprintf(os.Stderr, "bench: unknown row group %q (%s)\n", r, strings.Join(rowGroups, ", "))
			os.Exit(2)
		}
		cfg.rows[r] = true
	}
	if *bigOnly {
		cfg.rows = map[string]bool{"bigstore": true}
	}
	if *stores == "" {
		*stores = "sqlite,postgres"
		if *quick {
			*stores = "sqlite"
		}
	}
	for _, s := range strings.Split(*stores, ",") {
		if s = strings.TrimSpace(s); s != "sqlite" && s != "postgres" {
			fmt.Fprintf(os.Stderr, "bench: unknown store %q (sqlite or postgres)\n", s)
			os.Exit(2)
		}
		cfg.stores = append(cfg.stores, s)
	}
	out := newReporter(os.Stdout, *jsonOut)
	if err := run(context.Background(), cfg, out); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run runs the chosen row groups, store by store, reporting each row as
// soon as it is measured.
func run(ctx context.Context, cfg config, out *reporter) error {
	dir, err := os.MkdirTemp("", "ocap-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	out.header()
	// Each group runs on every store, each store a fresh database.
	groups := []struct {
		on   bool
		name string
		rows func(ctx context.Context, cfg config, url, s string, out *reporter) error
	}{
		{cfg.rows["pingpong"] || cfg.rows["pipelined"] || cfg.rows["fanout"] || cfg.rows["service"] || cfg.rows["host"] || cfg.rows["bytes"], "messages", messageRows},
		// Two kernels, two stores of the same kind.
		{cfg.rows["remote"], "remote-a", func(ctx context.Context, cfg config, urlA, s string, out *reporter) error {
			return withStore(ctx, cfg, dir, s, "remote-b", func(urlB string) error {
				return remoteRows(ctx, cfg, urlA, urlB, s, out)
			})
		}},
		{cfg.rows["host"], "daemon", func(ctx context.Context, cfg config, url, s string, out *reporter) error {
			return daemonRow(ctx, cfg, dir, url, s, out)
		}},
		{cfg.rows["launch"], "launch", launchRows},
		{cfg.rows["restart"], "restart", restartRows},
	}
	for _, g := range groups {
		if !g.on {
			continue
		}
		for _, s := range cfg.stores {
			if err := withStore(ctx, cfg, dir, s, g.name, func(url string) error {
				return g.rows(ctx, cfg, url, s, out)
			}); err != nil {
				return err
			}
		}
	}
	if cfg.rows["rss"] {
		if err := rssRows(ctx, cfg, "sqlite://"+dir+"/rss.db", 0, out); err != nil {
			return fmt.Errorf("rss: %w", err)
		}
		if err := rssRows(ctx, cfg, "sqlite://"+dir+"/rss-idle.db", idleTrim, out); err != nil {
			return fmt.Errorf("rss of idle vats: %w", err)
		}
	}
	if cfg.rows["bigstore"] && cfg.bigEntries > 0 {
		if err := bigStoreRows(ctx, dir, cfg.bigEntries, out); err != nil {
			return fmt.Errorf("big store of %d entries: %w", cfg.bigEntries, err)
		}
	}
	return nil
}

// withStore runs f over a fresh store of kind s: a SQLite file in dir, or
// a throwaway PostgreSQL schema dropped afterwards.
func withStore(ctx context.Context, cfg config, dir, s, name string, f func(url string) error) error {
	url := "sqlite://" + dir + "/" + name + ".db"
	if s == "postgres" {
		schemaURL, drop, err := postgresSchema(ctx, cfg.pgURL)
		if err != nil {
			return err
		}
		defer drop()
		url = schemaURL
	}
	if err := f(url); err != nil {
		return fmt.Errorf("%s rows on %s: %w", name, s, err)
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
