package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/migrations"
	"github.com/ocapgo/ocap/store/driver"
	"github.com/ocapgo/ocap/store/sqlite"
	"github.com/ocapgo/ocap/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) storetest.Target {
		path := filepath.Join(t.TempDir(), "kernel.db")
		var current *sqlite.Store
		return storetest.Target{
			Open: func(ctx context.Context) (driver.Store, error) {
				s, err := sqlite.Open(ctx, path)
				if err != nil {
					return nil, err
				}
				current = s
				return s, nil
			},
			FailWrite: func(ctx context.Context, key string) error {
				return current.Exec(ctx, fmt.Sprintf(
					`CREATE TRIGGER fail_%[1]s BEFORE INSERT ON ocap_kv WHEN NEW.key = CAST(X'%[1]s' AS TEXT)
					 BEGIN SELECT RAISE(ABORT, 'injected failure'); END`, hex.EncodeToString([]byte(key))))
			},
		}
	})
}

// execRaw runs SQL on the file through a connection of its own, bypassing
// the store and its lock, as another program touching the file would.
func execRaw(ctx context.Context, path, query string) error {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, query)
	return err
}

func openT(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMemory(t *testing.T) {
	s := openT(t, sqlite.Memory)
	if err := s.Commit(t.Context(), []driver.Write{{Key: "k", Value: "v"}}); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := s.Get(t.Context(), "k"); err != nil || !ok || v != "v" {
		t.Errorf("get = %q, %v, %v", v, ok, err)
	}
	if got := s.Info(); got.Location != ":memory:" || got.Driver != "sqlite" {
		t.Errorf("Info() = %+v", got)
	}
	// Memory stores are private to their Store: no lock, no sharing.
	other := openT(t, sqlite.Memory)
	if _, ok, _ := other.Get(t.Context(), "k"); ok {
		t.Error("a second memory store sees the first one's data")
	}
}

func TestLockedNamesPathAndPID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kernel.db")
	first := openT(t, path)
	_, err := sqlite.Open(t.Context(), path)
	if !errors.Is(err, driver.ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	want := fmt.Sprintf("store %s is in use by another kernel (pid %d)", path, os.Getpid())
	if err.Error() != want {
		t.Errorf("error text\n got  %q\n want %q", err, want)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	openT(t, path)
}

func TestRelativePathAndParentFolders(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s := openT(t, filepath.Join("state", "ocap", "kernel.db"))
	abs := filepath.Join(dir, "state", "ocap", "kernel.db")
	if s.Info().Location != abs {
		t.Errorf("Location = %q, want the absolute path %q", s.Info().Location, abs)
	}
	for _, p := range []string{filepath.Join(dir, "state"), filepath.Join(dir, "state", "ocap")} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v, mode %v; want a 0700 folder", p, err, fi.Mode())
		}
	}
	fi, err := os.Stat(abs)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: %v; want mode 0600", abs, err)
	}
	b, err := os.ReadFile(abs + ".lock")
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("lock file holds %q, %v; want our pid", b, err)
	}
}

func TestWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kernel.db")
	openT(t, path).Close() // the store holds the file exclusively while open
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kernel.db")
	s := openT(t, path)
	s.Close()
	newer := migrations.Latest("sqlite") + 5
	if err := execRaw(t.Context(), path, fmt.Sprintf(`INSERT INTO ocap_schema_version(version) VALUES (%d)`, newer)); err != nil {
		t.Fatal(err)
	}
	_, err := sqlite.Open(t.Context(), path)
	if !errors.Is(err, driver.ErrNewerSchema) {
		t.Fatalf("open: %v, want ErrNewerSchema", err)
	}
	for _, want := range []string{path, strconv.Itoa(newer), strconv.Itoa(migrations.Latest("sqlite")), "newer ocap kernel"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	// The refusal released the lock: a later open gets the same answer.
	if _, err := sqlite.Open(t.Context(), path); !errors.Is(err, driver.ErrNewerSchema) {
		t.Errorf("second open: %v, want ErrNewerSchema again", err)
	}
}

func TestNotAKernelStore(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	content := strings.Repeat("these are my notes, not a database\n", 200)
	if err := os.WriteFile(text, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "app.db")
	if err := execRaw(t.Context(), foreign, `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
		t.Fatal(err)
	}

	for _, path := range []string{text, foreign} {
		_, err := sqlite.Open(t.Context(), path)
		if !errors.Is(err, driver.ErrNotKernelStore) {
			t.Errorf("open %s: %v, want ErrNotKernelStore", path, err)
			continue
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name %s", err, path)
		}
	}
	// Left untouched: same text, and the foreign database still uses its
	// own journal mode and has no kernel tables.
	if b, _ := os.ReadFile(text); string(b) != content {
		t.Error("the text file was modified")
	}
	db, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	var n int
	db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	db.QueryRow("SELECT count(*) FROM sqlite_master WHERE name LIKE 'ocap%'").Scan(&n)
	if mode != "delete" || n != 0 {
		t.Errorf("foreign database changed: journal_mode %q, %d ocap tables", mode, n)
	}
}

func TestBadPaths(t *testing.T) {
	for _, p := range []string{"", "/tmp/x.db?mode=ro"} {
		if _, err := sqlite.Open(t.Context(), p); err == nil {
			t.Errorf("Open(%q) succeeded", p)
		}
	}
	if _, err := sqlite.Open(t.Context(), t.TempDir()); err == nil {
		t.Error("Open of a folder succeeded")
	}
}

func TestMigrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kernel.db")
	s := openT(t, path)
	if from, to := s.Migrated(); from != 0 || to != migrations.Latest("sqlite") {
		t.Errorf("new store: Migrated() = %d, %d", from, to)
	}
	s.Close()
	s = openT(t, path)
	if from, to := s.Migrated(); from != to || to != migrations.Latest("sqlite") {
		t.Errorf("reopened store: Migrated() = %d, %d", from, to)
	}
}

func BenchmarkCommit(b *testing.B) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "kernel.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchCommit(b, s)
}
