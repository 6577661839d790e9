// Command bench measures the kernel end to end with real vat-worker
// processes and prints a table:
//
//   - durable vat-to-vat round trips per second (alice awaits E(bob).ping(i)
//     in a loop; every crank commits) on SQLite and on PostgreSQL;
//   - cold launch of a 2-vat subcluster (workers started, buildRootObject,
//     bootstrap) on SQLite;
//   - kernel restart with 100 idle vats on SQLite: a new kernel over the
//     store of a stopped one, until every vat answers PingVat;
//   - a vat whose baggage holds a durable big map store of 1,000,000
//     entries, on SQLite: the fill, a kernel restart until the vat answers,
//     the worker's and the kernel's memory idle and after the vat reads
//     1,000 random keys (and how long that takes).
//
// make bench runs it; flags pick the sizes.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/store"
)

func main() {
	roundTrips := flag.Int("round-trips", 5000, "round trips per ping-pong run")
	launches := flag.Int("launches", 10, "cold launches to time")
	idleVats := flag.Int("idle-vats", 100, "idle vats the kernel restart row restores")
	bigEntries := flag.Int("big-store-entries", 1_000_000, "entries of the big store rows (0: skip them)")
	bigOnly := flag.Bool("big-store-only", false, "run the big store rows only")
	cpuProfile := flag.String("cpuprofile", "", "write the kernel's CPU profile of the SQLite ping-pong to this file")
	workerProfiles := flag.String("worker-cpuprofile-dir", "", "make every vat-worker write its CPU profile into this folder")
	soakRoundTrips := flag.Int("soak", 0, "run the garbage-collection soak instead: this many round trips")
	soakExos := flag.Int("soak-exos", 100000, "short-lived exos the soak passes between vats")
	pgURL := flag.String("postgres", envOr("OCAP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL server for the Postgres rows")
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
	if err := run(*roundTrips, *launches, *idleVats, *bigEntries, *bigOnly, *pgURL); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(roundTrips, launches, idleVats, bigEntries int, bigOnly bool, pgURL string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "ocap-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Printf("%-44s %14s %s\n", "benchmark", "result", "unit")
	if !bigOnly {
		if err := runMain(ctx, dir, roundTrips, launches, idleVats, pgURL); err != nil {
			return err
		}
	}
	if bigEntries <= 0 {
		return nil
	}
	big, err := bigStore(ctx, dir, bigEntries)
	if err != nil {
		return fmt.Errorf("big store of %d entries: %w", bigEntries, err)
	}
	row := func(name string, v float64, unit string) {
		fmt.Printf("%-44s %14.1f %s\n", fmt.Sprintf("big store %dk: %s", bigEntries/1000, name), v, unit)
	}
	row("fill, 10k per delivery", big.fill.Seconds(), "s")
	row("kernel restart until the vat answers", ms(big.restart), "ms")
	row("worker RSS, idle", mib(big.workerIdle), "MiB")
	row("kernel RSS, idle", mib(big.kernelIdle), "MiB")
	row("kernel Go heap, idle", mib(int64(big.kernelHeapIdle)), "MiB")
	row("read 1,000 random keys, one delivery", ms(big.read), "ms")
	row("worker RSS after the reads", mib(big.workerAfter), "MiB")
	row("kernel RSS after the reads", mib(big.kernelAfter), "MiB")
	row("kernel Go heap after the reads", mib(int64(big.heapAfter)), "MiB")
	return nil
}

// runMain runs the round trip, launch and restart rows.
func runMain(ctx context.Context, dir string, roundTrips, launches, idleVats int, pgURL string) error {
	rate, err := pingPong(ctx, "sqlite://"+filepath.Join(dir, "pingpong.db"), roundTrips)
	if err != nil {
		return fmt.Errorf("ping-pong on SQLite: %w", err)
	}
	fmt.Printf("%-44s %14.0f %s\n", "round trips, vat to vat, SQLite", rate, "round trips/s")

	schemaURL, drop, err := postgresSchema(ctx, pgURL)
	if err != nil {
		return err
	}
	rate, err = pingPong(ctx, schemaURL, roundTrips)
	drop()
	if err != nil {
		return fmt.Errorf("ping-pong on PostgreSQL: %w", err)
	}
	fmt.Printf("%-44s %14.0f %s\n", "round trips, vat to vat, PostgreSQL", rate, "round trips/s")

	median, best, err := coldLaunch(ctx, "sqlite://"+filepath.Join(dir, "launch.db"), launches, 0)
	if err != nil {
		return fmt.Errorf("cold launch: %w", err)
	}
	fmt.Printf("%-44s %14.1f %s\n", "cold launch of 2 vats, median", ms(median), "ms")
	fmt.Printf("%-44s %14.1f %s\n", "cold launch of 2 vats, best", ms(best), "ms")
	median, _, err = coldLaunch(ctx, "sqlite://"+filepath.Join(dir, "spares.db"), launches, 2)
	if err != nil {
		return fmt.Errorf("launch with spare workers: %w", err)
	}
	fmt.Printf("%-44s %14.1f %s\n", "launch of 2 vats, 2 spare workers, median", ms(median), "ms")

	restart, err := restartIdle(ctx, dir, idleVats)
	if err != nil {
		return fmt.Errorf("kernel restart with %d idle vats: %w", idleVats, err)
	}
	fmt.Printf("%-44s %14.1f %s\n", fmt.Sprintf("kernel restart, %d idle vats, SQLite", idleVats), ms(restart), "ms")
	return nil
}

// restartIdle launches one subcluster of n idle vats, stops the kernel, and
// times a new kernel over the same SQLite store (store opened, every vat
// restored from its baggage) until every vat answers PingVat.
func restartIdle(ctx context.Context, dir string, n int) (time.Duration, error) {
	cfgDir := filepath.Join(dir, "idle")
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		return 0, err
	}
	src := "import { makeDefaultExo } from '@metamask/kernel-utils/exo';\n" +
		"export function buildRootObject() {\n" +
		"  return makeDefaultExo('root', { bootstrap() { return 'idle'; } });\n}\n"
	if err := os.WriteFile(filepath.Join(cfgDir, "idle.js"), []byte(src), 0o644); err != nil {
		return 0, err
	}
	vats := make([]string, n)
	for i := range vats {
		vats[i] = fmt.Sprintf("%q: {\"sourceSpec\": \"idle.js\"}", fmt.Sprintf("idle%03d", i))
	}
	cfgJSON := `{"bootstrap": "idle000", "vats": {` + strings.Join(vats, ", ") + `}}`
	cfgPath := filepath.Join(cfgDir, "cluster.json")
	if err := os.WriteFile(cfgPath, []byte(cfgJSON), 0o644); err != nil {
		return 0, err
	}
	cfg, err := ocap.LoadClusterConfig(cfgPath)
	if err != nil {
		return 0, err
	}
	dbURL := "sqlite://" + filepath.Join(dir, "restart.db")
	logger := hclog.New(&hclog.LoggerOptions{Name: "bench", Output: os.Stderr, Level: hclog.Warn})
	openKernel := func() (*ocap.Kernel, store.Store, error) {
		db, err := store.Open(ctx, dbURL)
		if err != nil {
			return nil, nil, err
		}
		k, err := ocap.Make(ctx, platform.New(platform.Options{Logger: logger}), db,
			ocap.Options{Logger: logger, LaunchTimeout: 10 * time.Minute})
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		return k, db, nil
	}

	k, db, err := openKernel()
	if err != nil {
		return 0, err
	}
	if _, err := k.LaunchSubcluster(ctx, cfg); err != nil {
		k.Stop(ctx)
		db.Close()
		return 0, err
	}
	st, err := k.GetStatus(ctx)
	if err == nil && len(st.Vats) != n {
		err = fmt.Errorf("%d vats running after the launch, want %d", len(st.Vats), n)
	}
	if serr := k.Stop(ctx); err == nil {
		err = serr
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}

	start := time.Now()
	k, db, err = openKernel()
	if err != nil {
		return 0, err
	}
	defer db.Close()
	defer k.Stop(ctx)
	for _, v := range st.Vats {
		if pong, err := k.PingVat(ctx, v.ID); err != nil || pong != "pong" {
			return 0, fmt.Errorf("ping vat %s after the restart: %q, %v", v.ID, pong, err)
		}
	}
	return time.Since(start), nil
}

// profilePath, when set, receives a CPU profile of the first ping-pong run.
var profilePath string

// workerEnv is extra environment for every worker (profiling).
var workerEnv []string

func newKernel(ctx context.Context, dbURL string) (*ocap.Kernel, store.Store, error) {
	return newKernelWith(ctx, dbURL, 0)
}

// newKernelWith keeps spares workers started ahead of need.
func newKernelWith(ctx context.Context, dbURL string, spares int) (*ocap.Kernel, store.Store, error) {
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, nil, err
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "bench", Output: os.Stderr, Level: hclog.Warn})
	k, err := ocap.Make(ctx, platform.New(platform.Options{Logger: logger, Env: workerEnv, Spares: spares}), db, ocap.Options{Logger: logger})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return k, db, nil
}

func cluster(name string) (*ocap.ClusterConfig, error) {
	return ocap.LoadClusterConfig(filepath.Join(repoRoot(), "testdata", "clusters", name))
}

// pingPong times n awaited round trips between two vats.
func pingPong(ctx context.Context, dbURL string, n int) (float64, error) {
	k, db, err := newKernel(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	defer k.Stop(ctx)
	cfg, err := cluster("ping.json")
	if err != nil {
		return 0, err
	}
	res, err := k.LaunchSubcluster(ctx, cfg)
	if err != nil {
		return 0, err
	}
	if _, err := k.QueueMessage(ctx, res.RootKref, "pingPong", []any{100}); err != nil { // warm up
		return 0, err
	}
	if profilePath != "" {
		f, err := os.Create(profilePath)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return 0, err
		}
		profilePath = "" // profile the first run only
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	out, err := k.QueueMessage(ctx, res.RootKref, "pingPong", []any{n})
	elapsed := time.Since(start)
	if err != nil {
		return 0, err
	}
	if v, _ := out.Unmarshal(); v != float64(n) {
		return 0, fmt.Errorf("pingPong(%d) returned %v", n, v)
	}
	return float64(n) / elapsed.Seconds(), nil
}

// coldLaunch times LaunchSubcluster of the 2-vat hello cluster, terminating
// it between runs.
func coldLaunch(ctx context.Context, dbURL string, n, spares int) (median, best time.Duration, err error) {
	k, db, err := newKernelWith(ctx, dbURL, spares)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	defer k.Stop(ctx)
	cfg, err := cluster("hello.json")
	if err != nil {
		return 0, 0, err
	}
	var times []time.Duration
	for i := 0; i < n; i++ {
		if spares > 0 {
			// Launches are not back to back: give the spares time to refill.
			time.Sleep(300 * time.Millisecond)
		}
		start := time.Now()
		res, err := k.LaunchSubcluster(ctx, cfg)
		if err != nil {
			return 0, 0, err
		}
		times = append(times, time.Since(start))
		if err := k.TerminateSubcluster(ctx, res.SubclusterID); err != nil {
			return 0, 0, err
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return times[len(times)/2], times[0], nil
}

// postgresSchema makes a throwaway schema and returns a URL that uses it.
func postgresSchema(ctx context.Context, base string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connecting to PostgreSQL at %s (start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start): %w", base, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "ocap_bench_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	drop := func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

func repoRoot() string {
	if dir, err := os.Getwd(); err == nil {
		for d := dir; d != "/"; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				return d
			}
		}
	}
	return "."
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
