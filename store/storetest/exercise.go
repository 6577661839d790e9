// Package storetest is the conformance suite every store driver runs, and
// the helpers other packages' tests use to get a fresh store of each driver.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ocapgo/ocap/migrations"
	"github.com/ocapgo/ocap/store/driver"
	"github.com/ocapgo/ocap/store/internal/kv"
)

// Target is one store location of the driver under test.
type Target struct {
	// Open opens the store at the location. Every call opens the same
	// location, so a store opened after another was closed sees what that
	// one committed, and a second store opened while the first is still open
	// must be refused with driver.ErrLocked.
	Open func(ctx context.Context) (driver.Store, error)

	// FailWrite makes the database itself reject, from now on, every write
	// that sets key, so that a Commit including one fails part way through
	// its transaction. It reaches the database on a connection of its own,
	// beside the open store (a trigger is the usual way).
	FailWrite func(ctx context.Context, key string) error
}

// Exercise runs the conformance suite. newTarget returns a fresh, empty
// location for one test; it is called once per subtest, and subtests run in
// parallel.
func Exercise(t *testing.T, newTarget func(t *testing.T) Target) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, tg Target)
	}{
		{"Info", testInfo},
		{"GetMissingAndPresent", testGet},
		{"CommitSetOverwriteDelete", testCommit},
		{"LastWriteInBatchWins", testLastWriteWins},
		{"EmptyCommit", testEmptyCommit},
		{"FailedCommitLeavesNothing", testAtomicOnDatabaseError},
		{"CancelledCommitLeavesNothing", testAtomicOnCancel},
		{"Values", testValues},
		{"ScanPrefixBoundaries", testScanPrefix},
		{"ScanByteOrder", testScanOrder},
		{"ScanCallbackError", testScanCallbackError},
		{"ScanCallbackUsesStore", testScanReentrant},
		{"ScanFrom", testScanFrom},
		{"LargeBatch", testLargeBatch},
		{"Wipe", testWipe},
		{"Closed", testClosed},
		{"Reopen", testReopen},
		{"Locked", testLocked},
		{"Concurrent", testConcurrent},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newTarget(t))
		})
	}
}

// open opens tg and closes the store when the test ends.
func open(t *testing.T, tg Target) driver.Store {
	t.Helper()
	s, err := tg.Open(t.Context())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

func set(k, v string) driver.Write { return driver.Write{Key: k, Value: v} }
func del(k string) driver.Write    { return driver.Write{Key: k, Delete: true} }

func commit(t *testing.T, s driver.Store, writes ...driver.Write) {
	t.Helper()
	if err := s.Commit(t.Context(), writes); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

// want checks that key holds value, or is absent when value is nil.
func want(t *testing.T, s driver.Store, key string, value *string) {
	t.Helper()
	got, ok, err := s.Get(t.Context(), key)
	switch {
	case err != nil:
		t.Fatalf("get %q: %v", key, err)
	case value == nil && ok:
		t.Errorf("get %q = %q, want absent", key, got)
	case value != nil && !ok:
		t.Errorf("get %q: absent, want %q", key, *value)
	case value != nil && got != *value:
		t.Errorf("get %q = %q, want %q", key, got, *value)
	}
}

func ptr(s string) *string { return &s }

// scan returns the pairs under prefix in the order Scan gave them.
func scan(t *testing.T, s driver.Store, prefix string) []kv.Pair {
	t.Helper()
	var out []kv.Pair
	err := s.Scan(t.Context(), prefix, func(k, v string) error {
		out = append(out, kv.Pair{Key: k, Value: v})
		return nil
	})
	if err != nil {
		t.Fatalf("scan %q: %v", prefix, err)
	}
	return out
}

func scanKeys(t *testing.T, s driver.Store, prefix string) []string {
	t.Helper()
	var keys []string
	for _, p := range scan(t, s, prefix) {
		keys = append(keys, p.Key)
	}
	return keys
}

func sameKeys(t *testing.T, what string, got, wantKeys []string) {
	t.Helper()
	if strings.Join(got, "|") != strings.Join(wantKeys, "|") || len(got) != len(wantKeys) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, wantKeys)
	}
}

func testInfo(t *testing.T, tg Target) {
	info := open(t, tg).Info()
	if info.Driver == "" || info.Location == "" {
		t.Errorf("Info() = %+v: driver and location must be set", info)
	}
	if latest := migrations.Latest(info.Driver); latest == 0 || info.SchemaVersion != latest {
		t.Errorf("Info().SchemaVersion = %d, want migrations.Latest(%q) = %d", info.SchemaVersion, info.Driver, latest)
	}
}

func testGet(t *testing.T, tg Target) {
	s := open(t, tg)
	want(t, s, "missing", nil)
	commit(t, s, set("k", "v"))
	want(t, s, "k", ptr("v"))
	want(t, s, "k.", nil)
	want(t, s, "K", nil)
}

func testCommit(t *testing.T, tg Target) {
	s := open(t, tg)
	commit(t, s, set("a", "1"), set("b", "2"), set("c", "3"))
	commit(t, s, set("a", "one"), del("b"), set("d", "4"), del("never-there"))
	want(t, s, "a", ptr("one"))
	want(t, s, "b", nil)
	want(t, s, "c", ptr("3"))
	want(t, s, "d", ptr("4"))
	sameKeys(t, "keys after two commits", scanKeys(t, s, ""), []string{"a", "c", "d"})
}

func testLastWriteWins(t *testing.T, tg Target) {
	s := open(t, tg)
	commit(t, s, set("x", "old"), set("y", "old"), set("z", "old"))
	commit(t, s,
		set("k", "1"), set("k", "2"), // set, set: 2
		set("x", "1"), del("x"), // set, delete: gone
		del("y"), set("y", "3"), // delete, set: 3
		set("z", "1"), del("z"), set("z", "4"), del("z"), set("z", "5"),
	)
	want(t, s, "k", ptr("2"))
	want(t, s, "x", nil)
	want(t, s, "y", ptr("3"))
	want(t, s, "z", ptr("5"))
}

func testEmptyCommit(t *testing.T, tg Target) {
	s := open(t, tg)
	commit(t, s)
	if err := s.Commit(t.Context(), []driver.Write{}); err != nil {
		t.Errorf("empty commit: %v", err)
	}
	sameKeys(t, "keys", scanKeys(t, s, ""), nil)
}

// testAtomicOnDatabaseError makes the database fail a write in the middle of
// a batch, after earlier writes of the same batch have been executed.
func testAtomicOnDatabaseError(t *testing.T, tg Target) {
	if tg.FailWrite == nil {
		t.Fatal("storetest: Target.FailWrite is required")
	}
	s := open(t, tg)
	commit(t, s, set("a", "1"), set("b", "2"))
	if err := tg.FailWrite(t.Context(), "boom"); err != nil {
		t.Fatalf("arrange for writes of boom to fail: %v", err)
	}
	err := s.Commit(t.Context(), []driver.Write{
		set("a", "changed"), del("b"), set("c", "new"), set("boom", "x"), set("d", "new"),
	})
	if err == nil {
		t.Fatal("commit with a failing write succeeded")
	}
	want(t, s, "a", ptr("1"))
	want(t, s, "b", ptr("2"))
	want(t, s, "c", nil)
	want(t, s, "d", nil)
	want(t, s, "boom", nil)

	// The store stays usable.
	commit(t, s, set("c", "later"))
	want(t, s, "c", ptr("later"))
}

func testAtomicOnCancel(t *testing.T, tg Target) {
	s := open(t, tg)
	commit(t, s, set("a", "1"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.Commit(ctx, []driver.Write{set("a", "2"), set("b", "2")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("commit with a cancelled context: err = %v, want context.Canceled", err)
	}
	want(t, s, "a", ptr("1"))
	want(t, s, "b", nil)
	commit(t, s, set("b", "3"))
	want(t, s, "b", ptr("3"))
}

func testValues(t *testing.T, tg Target) {
	s := open(t, tg)
	values := map[string]string{
		"empty":   "",
		"unicode": "héllo wörld ✓ 𝄞 日本",
		"lines":   "line 1\nline 2\r\n\ttabbed\n",
		"quotes":  `'single' "double" \back\slash; DROP TABLE ocap_kv; --`,
		"nul":     "before\x00after",
		"bytes":   "\xff\xfe\x80 not utf-8",
		"json":    `{"body":"#{\"methargs\":{\"$\":1}}","slots":["ko1"]}`,
		"big":     strings.Repeat("0123456789abcdef", 1<<16), // 1 MiB
	}
	var writes []driver.Write
	for k, v := range values {
		writes = append(writes, set("v."+k, v))
	}
	commit(t, s, writes...)
	for k, v := range values {
		want(t, s, "v."+k, ptr(v))
	}
	for _, p := range scan(t, s, "v.") {
		if v := values[strings.TrimPrefix(p.Key, "v.")]; p.Value != v {
			t.Errorf("scan: %q = %.40q, want %.40q", p.Key, p.Value, v)
		}
	}
}

func testScanPrefix(t *testing.T, tg Target) {
	s := open(t, tg)
	keys := []string{
		"v1.c", "v1.c.", "v1.c.1", "v1.c.ko12", "v1.c.\xff", "v1.c.\xff\xff",
		"v1.c/", "v1.c-", "v1.b.z", "v10.c.", "v10.c.1", "v1", "v2.c.1",
		"p\xfe", "p\xff", "p\xff\x00", "p\xff\xff", "q",
	}
	var writes []driver.Write
	for _, k := range keys {
		writes = append(writes, set(k, "x"))
	}
	commit(t, s, writes...)

	for prefix, wantKeys := range map[string][]string{
		"v1.c.":     {"v1.c.", "v1.c.1", "v1.c.ko12", "v1.c.\xff", "v1.c.\xff\xff"},
		"v1.c":      {"v1.c", "v1.c-", "v1.c.", "v1.c.1", "v1.c.ko12", "v1.c.\xff", "v1.c.\xff\xff", "v1.c/"},
		"v10.":      {"v10.c.", "v10.c.1"},
		"v1.c.k":    {"v1.c.ko12"},
		"v3":        nil,
		"p\xff":     {"p\xff", "p\xff\x00", "p\xff\xff"},
		"p\xff\xff": {"p\xff\xff"},
		"\xff":      nil,
	} {
		sameKeys(t, fmt.Sprintf("scan %q", prefix), scanKeys(t, s, prefix), wantKeys)
	}
	all := append([]string(nil), keys...)
	sort.Strings(all)
	sameKeys(t, `scan ""`, scanKeys(t, s, ""), all)
}

func testScanOrder(t *testing.T, tg Target) {
	s := open(t, tg)
	// Go compares strings byte by byte, which is the order Scan promises.
	keys := []string{
		"a.9", "a.10", "a.1", "a.", "a.A", "a.a", "a._", "a.~", "a.\x00", "a.\x01",
		"a.\x7f", "a.\x80", "a.é", "a.z", "a.Z", "a.\xff", "a.10.1", "a.1\x00",
	}
	var writes []driver.Write
	for _, k := range keys {
		writes = append(writes, set(k, k))
	}
	commit(t, s, writes...)
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	sameKeys(t, "scan order", scanKeys(t, s, "a."), sorted)
	for _, p := range scan(t, s, "a.") {
		if p.Value != p.Key {
			t.Errorf("scan: %q has value %q", p.Key, p.Value)
		}
	}
}

// testScanFrom: a driver that offers driver.RangeScanner starts its scan
// at the first key >= from, across page boundaries, never outside prefix.
func testScanFrom(t *testing.T, tg Target) {
	s := open(t, tg)
	rs, ok := s.(driver.RangeScanner)
	if !ok {
		t.Skip("this driver does not offer ScanFrom")
	}
	var writes []driver.Write
	var all []string
	for i := range 1200 {
		k := fmt.Sprintf("r.%05d", i)
		writes = append(writes, set(k, k))
		all = append(all, k)
	}
	commit(t, s, append(writes, set("q", ""), set("r/", ""))...)
	from := func(prefix, from string) []string {
		var got []string
		err := rs.ScanFrom(context.Background(), prefix, from, func(key, _ string) error {
			got = append(got, key)
			return nil
		})
		if err != nil {
			t.Fatalf("ScanFrom(%q, %q): %v", prefix, from, err)
		}
		return got
	}
	sameKeys(t, "from the middle", from("r.", "r.00100"), all[100:])
	sameKeys(t, "from between keys", from("r.", "r.00100\x00"), all[101:])
	sameKeys(t, "from before the prefix", from("r.", "a"), all)
	sameKeys(t, "from past the prefix", from("r.", "s"), nil)
}

func testScanCallbackError(t *testing.T, tg Target) {
	s := open(t, tg)
	commit(t, s, set("k.1", ""), set("k.2", ""), set("k.3", ""))
	stop := errors.New("stop here")
	var seen []string
	err := s.Scan(t.Context(), "k.", func(k, v string) error {
		seen = append(seen, k)
		if k == "k.2" {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Errorf("scan returned %v, want the callback's error", err)
	}
	sameKeys(t, "keys seen", seen, []string{"k.1", "k.2"})
}

// testScanReentrant calls the store from inside a Scan callback, over more
// keys than one page holds: a driver that kept a query open during the
// callback would deadlock or fail here.
func testScanReentrant(t *testing.T, tg Target) {
	s := open(t, tg)
	n := 2*kv.PageSize + 7
	var writes []driver.Write
	for i := range n {
		writes = append(writes, set(fmt.Sprintf("r.%06d", i), fmt.Sprint(i)))
	}
	commit(t, s, writes...)
	count := 0
	err := s.Scan(t.Context(), "r.", func(k, v string) error {
		if got, ok, err := s.Get(t.Context(), k); err != nil || !ok || got != v {
			return fmt.Errorf("get %q inside scan = %q, %v, %v", k, got, ok, err)
		}
		count++
		return s.Commit(t.Context(), []driver.Write{set("seen."+k, v)})
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if count != n {
		t.Errorf("scan visited %d keys, want %d", count, n)
	}
	if got := len(scan(t, s, "seen.r.")); got != n {
		t.Errorf("%d keys written inside the scan, want %d", got, n)
	}
}

func testLargeBatch(t *testing.T, tg Target) {
	s := open(t, tg)
	const n = 10_000
	writes := make([]driver.Write, 0, n)
	for i := range n {
		writes = append(writes, set(fmt.Sprintf("big.%05d", i), strings.Repeat("v", i%100)))
	}
	commit(t, s, writes...)
	pairs := scan(t, s, "big.")
	if len(pairs) != n {
		t.Fatalf("scan found %d keys, want %d", len(pairs), n)
	}
	for i, p := range pairs {
		if p.Key != writes[i].Key || p.Value != writes[i].Value {
			t.Fatalf("pair %d = %q=%q, want %q=%q", i, p.Key, p.Value, writes[i].Key, writes[i].Value)
		}
	}
	for i := range writes {
		writes[i] = del(writes[i].Key)
	}
	commit(t, s, writes...)
	if got := len(scan(t, s, "big.")); got != 0 {
		t.Errorf("%d keys left after deleting all", got)
	}
}

func testWipe(t *testing.T, tg Target) {
	s := open(t, tg)
	commit(t, s, set("a", "1"), set("b.c", "2"), set("z", "3"))
	if err := s.Wipe(t.Context()); err != nil {
		t.Fatalf("wipe: %v", err)
	}
	sameKeys(t, "keys after wipe", scanKeys(t, s, ""), nil)
	want(t, s, "a", nil)
	commit(t, s, set("a", "again"))
	want(t, s, "a", ptr("again"))
	if v := s.Info().SchemaVersion; v != migrations.Latest(s.Info().Driver) {
		t.Errorf("schema version after wipe = %d", v)
	}
}

func testClosed(t *testing.T, tg Target) {
	s, err := tg.Open(t.Context())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	commit(t, s, set("a", "1"))
	info := s.Info()
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	ctx := t.Context()
	if _, _, err := s.Get(ctx, "a"); !errors.Is(err, driver.ErrClosed) {
		t.Errorf("Get after Close: %v, want ErrClosed", err)
	}
	if err := s.Scan(ctx, "", func(k, v string) error { return nil }); !errors.Is(err, driver.ErrClosed) {
		t.Errorf("Scan after Close: %v, want ErrClosed", err)
	}
	if err := s.Commit(ctx, []driver.Write{set("b", "2")}); !errors.Is(err, driver.ErrClosed) {
		t.Errorf("Commit after Close: %v, want ErrClosed", err)
	}
	if err := s.Wipe(ctx); !errors.Is(err, driver.ErrClosed) {
		t.Errorf("Wipe after Close: %v, want ErrClosed", err)
	}
	if s.Info() != info {
		t.Errorf("Info after Close = %+v, want %+v", s.Info(), info)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func testReopen(t *testing.T, tg Target) {
	s, err := tg.Open(t.Context())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	commit(t, s, set("kept", "yes"), set("gone", "x"))
	commit(t, s, del("gone"))
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	s2 := open(t, tg)
	want(t, s2, "kept", ptr("yes"))
	want(t, s2, "gone", nil)
	if s2.Info().SchemaVersion != s.Info().SchemaVersion {
		t.Errorf("schema version %d after reopen, was %d", s2.Info().SchemaVersion, s.Info().SchemaVersion)
	}
}

func testLocked(t *testing.T, tg Target) {
	first, err := tg.Open(t.Context())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	commit(t, first, set("owner", "first"))
	second, err := tg.Open(t.Context())
	if !errors.Is(err, driver.ErrLocked) {
		if err == nil {
			second.Close()
		}
		first.Close()
		t.Fatalf("second open while the first is open: %v, want ErrLocked", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	third := open(t, tg)
	want(t, third, "owner", ptr("first"))
}

// testConcurrent runs calls from several goroutines at once; with -race it
// checks that a store is safe for concurrent use.
func testConcurrent(t *testing.T, tg Target) {
	s := open(t, tg)
	const workers, rounds = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				key := fmt.Sprintf("w%d.%03d", w, i)
				if err := s.Commit(t.Context(), []driver.Write{set(key, "v"), set(fmt.Sprintf("w%d.last", w), key)}); err != nil {
					errs <- err
					return
				}
				if _, ok, err := s.Get(t.Context(), key); err != nil || !ok {
					errs <- fmt.Errorf("get %q after commit: ok=%v err=%v", key, ok, err)
					return
				}
				if err := s.Scan(t.Context(), fmt.Sprintf("w%d.", w), func(k, v string) error { return nil }); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := len(scan(t, s, "w")); got != workers*(rounds+1) {
		t.Errorf("%d keys, want %d", got, workers*(rounds+1))
	}
}
