package metrics

import (
	"context"
	"errors"
	"testing"

	"github.com/ocapgo/ocap/store"
	"github.com/ocapgo/ocap/store/driver"
)

// failingStore is a real store whose commits fail on demand.
type failingStore struct {
	driver.Store
	fail bool
}

func (s *failingStore) Commit(ctx context.Context, w []driver.Write) error {
	if s.fail {
		return errors.New("disk full")
	}
	return s.Store.Commit(ctx, w)
}

func TestStoreCountsCommitsByDriver(t *testing.T) {
	reg, k := setup(t)
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	inner := &failingStore{Store: db}
	s := k.Store(inner)

	if got := value(t, reg, "ocap_store_commit_errors_total", "driver=sqlite"); got != 0 {
		t.Fatalf("errors before any commit = %v, want a 0 series", got)
	}
	if err := s.Commit(ctx, []driver.Write{{Key: "a", Value: "1"}}); err != nil {
		t.Fatal(err)
	}
	inner.fail = true
	if err := s.Commit(ctx, []driver.Write{{Key: "b", Value: "2"}}); err == nil || err.Error() != "disk full" {
		t.Fatalf("failed commit returned %v, want the store's own error", err)
	}
	if got := value(t, reg, "ocap_store_commit_duration_seconds", "driver=sqlite"); got != 2 {
		t.Errorf("commits timed = %v, want 2", got)
	}
	if got := value(t, reg, "ocap_store_commit_errors_total", "driver=sqlite"); got != 1 {
		t.Errorf("commit errors = %v, want 1", got)
	}

	// Everything else passes through to the store.
	if v, ok, err := s.Get(ctx, "a"); err != nil || !ok || v != "1" {
		t.Errorf("Get through the wrapper: %q %v %v", v, ok, err)
	}
	if s.Info() != db.Info() {
		t.Errorf("Info through the wrapper: %+v, want %+v", s.Info(), db.Info())
	}
}
