package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/store"
)

// profilePath, when set, receives a CPU profile of the first pingpong run.
var profilePath string

// workerEnv is extra environment for every worker (profiling).
var workerEnv []string

func newKernel(ctx context.Context, dbURL string) (*ocap.Kernel, store.Store, error) {
	return newKernelWith(ctx, dbURL, 0)
}

// newKernelWith keeps spares workers started ahead of need. Its time
// limits are generous: a benchmark on a busy machine should be slow, not
// fail.
func newKernelWith(ctx context.Context, dbURL string, spares int) (*ocap.Kernel, store.Store, error) {
	return openKernel(ctx, dbURL, spares, ocap.Options{})
}

// openKernel is newKernelWith with the RemoteComms and RestoreOnDemand of
// opts.
// env is more environment for its workers.
func openKernel(ctx context.Context, dbURL string, spares int, opts ocap.Options, env ...string) (*ocap.Kernel, store.Store, error) {
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		return nil, nil, err
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "bench", Output: os.Stderr, Level: hclog.Warn})
	k, err := ocap.Make(ctx, platform.New(platform.Options{Logger: logger, Env: append(slices.Clip(workerEnv), env...), Spares: spares}), db,
		ocap.Options{Logger: logger, LaunchTimeout: 10 * time.Minute, DeliveryTimeout: 10 * time.Minute,
			RemoteComms: opts.RemoteComms, RestoreOnDemand: opts.RestoreOnDemand})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return k, db, nil
}

// stop stops the kernel and closes its store, keeping the first error.
func stop(ctx context.Context, k *ocap.Kernel, db store.Store, err *error) {
	if serr := k.Stop(ctx); *err == nil {
		*err = serr
	}
	if cerr := db.Close(); *err == nil {
		*err = cerr
	}
}

// benchCluster loads a cluster config of bench/vats.
func benchCluster(name string) (*ocap.ClusterConfig, error) {
	return ocap.LoadClusterConfig(filepath.Join(repoRoot(), "bench", "vats", name))
}

// targetsCluster is pingpong.json's driver (alice) with n target vats,
// t001 to t<n>, instead of bob; with driver false, the targets alone.
func targetsCluster(n int, driver bool) (*ocap.ClusterConfig, error) {
	cfg, err := benchCluster("pingpong.json")
	if err != nil {
		return nil, err
	}
	target := cfg.Vats["bob"]
	vats := map[string]ocap.VatConfig{}
	var order []string
	if driver {
		vats["alice"], order = cfg.Vats["alice"], []string{"alice"}
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("t%03d", i)
		vats[name] = target
		order = append(order, name)
	}
	cfg.Vats, cfg.VatOrder, cfg.Bootstrap = vats, order, order[0]
	return cfg, nil
}

// postgresSchema makes a throwaway schema and returns a URL that uses it.
func postgresSchema(ctx context.Context, base string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connecting to PostgreSQL at %s (start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, or run with -stores sqlite): %w", base, err)
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

// defaultKernelPath is the kernel binary beside $OCAP_WORKER_PATH (make
// bench sets it to bin/vat-worker), else bin/kernel of the repository.
func defaultKernelPath() string {
	if w := os.Getenv("OCAP_WORKER_PATH"); w != "" {
		return filepath.Join(filepath.Dir(w), "kernel")
	}
	return filepath.Join(repoRoot(), "bin", "kernel")
}
