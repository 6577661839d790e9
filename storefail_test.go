package ocap_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/store"
	"github.com/ocapgo/ocap/store/driver"
	"github.com/ocapgo/ocap/store/storetest"
)

// refusingStore refuses every commit once refuse is set, like a full disk.
type refusingStore struct {
	driver.Store
	refuse atomic.Bool
}

func (s *refusingStore) Commit(ctx context.Context, w []driver.Write) error {
	if s.refuse.Load() {
		return errors.New("disk full")
	}
	return s.Store.Commit(ctx, w)
}

func TestRefusedCommitStopsTheKernelAndKeepsNothing(t *testing.T) {
	url := storetest.SQLiteURL(t)
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	rs := &refusingStore{Store: db}
	logger := hclog.NewNullLogger()
	k, err := ocap.Make(ctx, platform.New(platform.Options{WorkerPath: testutil.WorkerPath(t), Logger: logger}), rs, ocap.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := ocap.LoadClusterConfig("testdata/clusters/hello.json")
	res, err := k.LaunchSubcluster(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	before, err := k.QueueMessage(ctx, res.RootKref, "counts", nil)
	if err != nil {
		t.Fatal(err)
	}

	rs.refuse.Store(true)
	callCtx, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	_, err = k.QueueMessage(callCtx, res.RootKref, "hello", []any{"x"})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("a send while the disk refuses commits: %v", err)
	}
	select {
	case <-k.Failed():
	case <-time.After(patience):
		t.Fatal("the kernel did not report its store failure")
	}
	if err := k.Err(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Err() = %v", err)
	}
	_ = k.Stop(ctx)
	db.Close()

	// A new kernel over the same store resumes from the last commit.
	e := startKernel(t, url, ocap.Options{})
	after, err := e.k.QueueMessage(ctx, res.RootKref, "counts", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := before.Unmarshal()
	a, _ := after.Unmarshal()
	if b.(map[string]any)["bootstraps"] != a.(map[string]any)["bootstraps"] {
		t.Fatalf("counts before %v, after %v", b, a)
	}
	if got := e.mustCall(res.RootKref, "hello", "again"); got != "hello again, from Bob" {
		t.Fatalf("hello after recovery = %v", got)
	}
}

// TestPostgresDroppedMidRun cuts the kernel's database connections, as a
// PostgreSQL restart does: the kernel stops with the store's error instead
// of going on half-written, and a new kernel resumes from the last commit.
func TestPostgresDroppedMidRun(t *testing.T) {
	url := storetest.PostgresURL(t)
	e := startKernel(t, url, ocap.Options{})
	root := e.launch("hello.json").RootKref
	if got := e.mustCall(root, "hello", "before"); got != "hello before, from Bob" {
		t.Fatalf("hello = %v", got)
	}

	admin, err := pgx.Connect(context.Background(), storetest.PostgresBaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	_, err = admin.Exec(context.Background(),
		`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
		"ocap kernel pid "+strconv.Itoa(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	_, err = e.k.QueueMessage(ctx, root, "hello", []any{"during"})
	if err == nil || !strings.Contains(err.Error(), "store failed") {
		t.Fatalf("a send after the database dropped the kernel's connections: %v", err)
	}
	select {
	case <-e.k.Failed():
	case <-time.After(patience):
		t.Fatal("the kernel did not report its store failure")
	}
	e.restart()
	if got := e.mustCall(root, "hello", "after"); got != "hello after, from Bob" {
		t.Fatalf("hello after the restart = %v", got)
	}
	counts := e.mustCall(root, "counts").(map[string]any)
	if counts["bootstraps"] != 1.0 || counts["starts"] != 2.0 {
		t.Fatalf("counts after the restart = %v", counts)
	}
}
