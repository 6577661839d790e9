package ocap_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

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
	callCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err = k.QueueMessage(callCtx, res.RootKref, "hello", []any{"x"})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("a send while the disk refuses commits: %v", err)
	}
	select {
	case <-k.Failed():
	case <-time.After(10 * time.Second):
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
