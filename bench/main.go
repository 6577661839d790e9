// Command bench measures the kernel end to end with real vat-worker
// processes and prints a table:
//
//   - durable vat-to-vat round trips per second (alice awaits E(bob).ping(i)
//     in a loop; every crank commits) on SQLite and on PostgreSQL;
//   - cold launch of a 2-vat subcluster (workers started, buildRootObject,
//     bootstrap) on SQLite.
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
	cpuProfile := flag.String("cpuprofile", "", "write the kernel's CPU profile of the SQLite ping-pong to this file")
	workerProfiles := flag.String("worker-cpuprofile-dir", "", "make every vat-worker write its CPU profile into this folder")
	pgURL := flag.String("postgres", envOr("OCAP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL server for the Postgres rows")
	flag.Parse()
	profilePath = *cpuProfile
	if *workerProfiles != "" {
		workerEnv = []string{"OCAP_WORKER_CPUPROFILE_DIR=" + *workerProfiles}
	}
	if err := run(*roundTrips, *launches, *pgURL); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(roundTrips, launches int, pgURL string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "ocap-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Printf("%-44s %14s %s\n", "benchmark", "result", "unit")
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

	median, best, err := coldLaunch(ctx, "sqlite://"+filepath.Join(dir, "launch.db"), launches)
	if err != nil {
		return fmt.Errorf("cold launch: %w", err)
	}
	fmt.Printf("%-44s %14.1f %s\n", "cold launch of 2 vats, median", ms(median), "ms")
	fmt.Printf("%-44s %14.1f %s\n", "cold launch of 2 vats, best", ms(best), "ms")
	return nil
}

// profilePath, when set, receives a CPU profile of the first ping-pong run.
var profilePath string

// workerEnv is extra environment for every worker (profiling).
var workerEnv []string

func newKernel(ctx context.Context, dbURL string) (*ocap.Kernel, store.Store, error) {
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, nil, err
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "bench", Output: os.Stderr, Level: hclog.Warn})
	k, err := ocap.Make(ctx, platform.New(platform.Options{Logger: logger, Env: workerEnv}), db, ocap.Options{Logger: logger})
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
func coldLaunch(ctx context.Context, dbURL string, n int) (median, best time.Duration, err error) {
	k, db, err := newKernel(ctx, dbURL)
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
