package keeper

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"sync"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/store"
	"github.com/ocapgo/ocap/store/driver"
)

// Helpers shared by the keeper's tests: stores to run over, a store that
// holds commits back or fails on demand, and ways to drive the commit
// pipeline the way the router's loop does.

// openStore opens url and closes it when the test ends.
func openStore(t *testing.T, url string) driver.Store {
	t.Helper()
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// memKeeper is a Keeper over a fresh in-memory SQLite store.
func memKeeper(t *testing.T) (*Keeper, driver.Store) {
	t.Helper()
	st := openStore(t, "sqlite::memory:")
	return New(st), st
}

// forEachStore runs fn on a fresh SQLite file store and a fresh PostgreSQL
// schema: for what depends on the driver (commits, scans, Load, reopening).
func forEachStore(t *testing.T, fn func(t *testing.T, url string)) {
	testutil.ForEachStore(t, fn)
}

// testStore wraps a store: Commit can be held back until released, and
// Get, Scan and Commit can be made to fail. Commit runs on the keeper's
// batch goroutine, so every field is behind mu.
type testStore struct {
	driver.Store

	mu       sync.Mutex
	gate     chan struct{} // when set, Commit waits until it is closed
	started  chan struct{} // receives once per Commit that began
	failGet  error
	failScan error
	gets     int
}

func wrapStore(st driver.Store) *testStore {
	return &testStore{Store: st, started: make(chan struct{}, 100)}
}

// hold makes the next commits wait until the returned func is called.
func (s *testStore) hold() (release func()) {
	gate := make(chan struct{})
	s.mu.Lock()
	s.gate = gate
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		if s.gate == gate {
			s.gate = nil
		}
		s.mu.Unlock()
		close(gate)
	}
}

func (s *testStore) Commit(ctx context.Context, writes []driver.Write) error {
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	s.started <- struct{}{}
	if gate != nil {
		<-gate
	}
	return s.Store.Commit(ctx, writes)
}

func (s *testStore) Get(ctx context.Context, key string) (string, bool, error) {
	s.mu.Lock()
	s.gets++
	err := s.failGet
	s.mu.Unlock()
	if err != nil {
		return "", false, err
	}
	return s.Store.Get(ctx, key)
}

func (s *testStore) Scan(ctx context.Context, prefix string, fn func(key, value string) error) error {
	s.mu.Lock()
	err := s.failScan
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.Store.Scan(ctx, prefix, fn)
}

func (s *testStore) setFailGet(err error) {
	s.mu.Lock()
	s.failGet = err
	s.mu.Unlock()
}

func (s *testStore) setFailScan(err error) {
	s.mu.Lock()
	s.failScan = err
	s.mu.Unlock()
}

func (s *testStore) getCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets
}

var errInjected = errors.New("injected store failure")

// crank runs fn as one crank and seals it.
func crank(k *Keeper, fn func()) {
	fn()
	k.Seal()
}

// flush commits every sealed crank and waits until all are durable, as
// the router's sync does.
func flush(t *testing.T, k *Keeper) {
	t.Helper()
	for k.Pending() {
		k.StartBatch()
		res := <-k.Done()
		k.Finish(res)
		if res.Err != nil {
			t.Fatalf("commit failed: %v", res.Err)
		}
	}
}

// committed runs fn as one crank and makes it durable.
func committed(t *testing.T, k *Keeper, fn func()) {
	t.Helper()
	crank(k, fn)
	flush(t, k)
}

// raw reads key straight from the store, past the keeper.
func raw(t *testing.T, st driver.Store, key string) (string, bool) {
	t.Helper()
	v, ok, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("reading %s from the store: %v", key, err)
	}
	return v, ok
}

// storeKeys is every key of the store, in order, with its value.
func storeKeys(t *testing.T, st driver.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := st.Scan(context.Background(), "", func(key, value string) error {
		out[key] = value
		return nil
	})
	if err != nil {
		t.Fatalf("scanning the store: %v", err)
	}
	return out
}

// mustPanicStoreError runs fn and checks it panics with a StoreError,
// which it returns.
func mustPanicStoreError(t *testing.T, what string, fn func()) (se StoreError) {
	t.Helper()
	defer func() {
		t.Helper()
		p := recover()
		if p == nil {
			t.Fatalf("%s: no panic, want a StoreError", what)
		}
		var ok bool
		if se, ok = p.(StoreError); !ok {
			t.Fatalf("%s: panicked with %T %v, want a StoreError", what, p, p)
		}
	}()
	fn()
	return se
}

func sorted(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s = %#v, want %#v", what, got, want)
	}
}
