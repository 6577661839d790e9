package store_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/ocapgo/ocap/migrations"
	"github.com/ocapgo/ocap/store"
	"github.com/ocapgo/ocap/store/storetest"
)

// TestOpenEveryDriver goes through store.Open the way the kernel does, once
// per driver.
func TestOpenEveryDriver(t *testing.T) {
	for name, newURL := range storetest.Drivers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := newURL(t)

			from, to, err := store.Migrate(t.Context(), url)
			if err != nil || from != 0 || to != migrations.Latest(name) {
				t.Fatalf("first Migrate = %d, %d, %v; want 0, %d", from, to, err, migrations.Latest(name))
			}
			from, to, err = store.Migrate(t.Context(), url)
			if err != nil || from != to || to != migrations.Latest(name) {
				t.Fatalf("second Migrate = %d, %d, %v; want nothing to do", from, to, err)
			}

			db, err := store.Open(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := db.Info().Driver; got != name {
				t.Errorf("Info().Driver = %q, want %q", got, name)
			}
			if err := db.Commit(t.Context(), []store.Write{{Key: "k", Value: "v"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := store.Open(t.Context(), url); !errors.Is(err, store.ErrLocked) {
				t.Errorf("second Open: %v, want ErrLocked", err)
			}
			if _, _, err := store.Migrate(t.Context(), url); !errors.Is(err, store.ErrLocked) {
				t.Errorf("Migrate while open: %v, want ErrLocked", err)
			}
		})
	}
}

func TestOpenMemory(t *testing.T) {
	db, err := store.Open(t.Context(), "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Info().Location != ":memory:" {
		t.Errorf("Info() = %+v", db.Info())
	}
}

func TestOpenCreatesFolders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "kernel.db")
	db, err := store.Open(t.Context(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Info().Location != path {
		t.Errorf("Location = %q, want %q", db.Info().Location, path)
	}
}

func TestOpenBadURL(t *testing.T) {
	if db, err := store.Open(t.Context(), "mysql://u@h/db"); err == nil || db != nil {
		t.Errorf("Open(mysql://...) = %v, %v", db, err)
	}
}
