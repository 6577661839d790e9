// Package store is where the kernel gets its durable state: Open a URL and
// get a Store, one ordered key-value space that a crank's writes reach all
// at once or not at all.
//
//	db, err := store.Open(ctx, "sqlite:///var/lib/ocap/kernel.db")
//	db, err := store.Open(ctx, "postgres://ocap@db:5432/ocap?search_path=kernel1")
//	db, err := store.Open(ctx, "sqlite::memory:")
//
// The names below are those of package store/driver, the contract the
// drivers store/sqlite and store/postgres implement; both run the same
// conformance suite, store/storetest.
package store

import (
	"context"

	"github.com/ocapgo/ocap/store/driver"
	"github.com/ocapgo/ocap/store/postgres"
	"github.com/ocapgo/ocap/store/sqlite"
)

type (
	// Store is a durable, ordered key-value space owned by one kernel.
	Store = driver.Store
	// Write is one change of a Commit.
	Write = driver.Write
	// Info names an open store.
	Info = driver.Info
)

var (
	// ErrLocked means another live kernel holds the store.
	ErrLocked = driver.ErrLocked
	// ErrNewerSchema means the store was written by a newer ocap.
	ErrNewerSchema = driver.ErrNewerSchema
	// ErrNotKernelStore means the file or schema holds something else.
	ErrNotKernelStore = driver.ErrNotKernelStore
	// ErrClosed is returned by calls on a closed store.
	ErrClosed = driver.ErrClosed
)

// Open opens the store url names, creating it when it does not exist and
// bringing its schema up to date. The accepted forms are:
//
//	sqlite:///abs/path/kernel.db   a SQLite file (parent folders are created, mode 0700)
//	sqlite://rel/path/kernel.db    the same, relative to the working directory
//	sqlite:path/kernel.db          the same
//	sqlite::memory:                a SQLite store in memory, gone on Close
//	postgres://user@host:port/db?search_path=schema
//	postgresql://...               a PostgreSQL schema (created when missing;
//	                               default "public"); see package store/postgres
//	                               for synchronous_commit and other parameters
//
// A store is used by one kernel at a time: Open fails with an error wrapping
// ErrLocked while another has it open. It fails with ErrNotKernelStore for a
// file or schema holding something else, and with ErrNewerSchema for a store
// written by a newer kernel.
func Open(ctx context.Context, url string) (Store, error) {
	kind, location, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "sqlite":
		s, err := sqlite.Open(ctx, location)
		if err != nil {
			return nil, err
		}
		return s, nil
	default:
		s, err := postgres.Open(ctx, location)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}
