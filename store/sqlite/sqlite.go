// Package sqlite is the embedded store driver: the kernel's key-value space
// in one SQLite file, through modernc.org/sqlite (pure Go, no cgo).
//
// Settings, and why:
//
//   - journal_mode=WAL: a commit appends to the write-ahead log instead of
//     rewriting pages in place, and readers never block the writer.
//   - synchronous=NORMAL: with WAL, a commit returns once the log is written
//     to the operating system, and SQLite syncs to disk at checkpoints. Every
//     commit is atomic and survives the kernel process crashing or being
//     killed at any instant, which is what a crank needs. Only an operating
//     system crash or power loss can drop the last few commits, and even then
//     the file stays consistent at an earlier crank. FULL would sync on every
//     commit and cost the kernel most of its crank rate.
//   - locking_mode=EXCLUSIVE: the kernel is the file's only user (see the
//     flock below), so SQLite keeps its locks and the WAL index in the
//     process instead of taking file locks on every transaction. Commits are
//     about three times faster. Other programs (the sqlite3 shell, a backup)
//     can open the file only while no kernel holds it.
//   - busy_timeout: a write waits briefly rather than fails if the file is
//     busy when the store opens.
//   - one connection: a kernel is one writer, SQLite allows one writer at a
//     time, and ":memory:" exists only inside its connection. Prepared
//     statements stay on that connection for the store's life.
//
// A store is owned by one kernel at a time through an flock on
// "<file>.lock" (see lockFile).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/ocapgo/ocap/store/driver"
)

// Memory is the path of a store that lives in memory and ends with Close.
const Memory = ":memory:"

// pragmas apply to every connection; see the package comment. journal_mode
// is not among them: it is persistent, and is only switched to WAL once the
// file is known to be a kernel store (see Open).
const pragmas = "?_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)&_pragma=locking_mode(EXCLUSIVE)&_txlock=immediate"

// Store is a kernel store in one SQLite database.
type Store struct {
	// mu guards closed: calls hold it shared for their duration, Close holds
	// it exclusively, so Close waits for a commit in progress to finish.
	mu     sync.RWMutex
	closed bool

	db    *sql.DB
	stmts statements
	lock  *fileLock
	info  driver.Info
	from  int
}

var _ driver.Store = (*Store)(nil)

// Open opens the store at path, a file name or Memory, creating the file and
// its parent folders (mode 0700) when missing, taking the store's lock and
// bringing its schema up to date.
//
// It fails with an error wrapping driver.ErrLocked while another kernel has
// the file open, driver.ErrNotKernelStore for a file that is not a kernel
// store, and driver.ErrNewerSchema for a store written by a newer kernel.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open SQLite store: no file name given")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open SQLite store %q: a file name must not contain '?'", path)
	}
	if path == Memory {
		return open(ctx, Memory, nil)
	}

	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open SQLite store %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("create folder for store %s: %w", abs, err)
	}
	lock, err := lockFile(abs)
	if err != nil {
		return nil, err
	}
	// Create the file ourselves so that it, and the -wal and -shm files
	// SQLite gives the same mode, are readable only by the kernel's user.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		lock.release()
		return nil, fmt.Errorf("open SQLite store %s: %w", abs, err)
	}
	s, err := open(ctx, abs, lock)
	if err != nil {
		lock.release()
		return nil, err
	}
	return s, nil
}

// open does the work of Open once the lock, if any, is held.
func open(ctx context.Context, location string, lock *fileLock) (*Store, error) {
	db, err := sql.Open("sqlite", location+pragmas)
	if err != nil {
		return nil, fmt.Errorf("open SQLite store %s: %w", location, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)

	s := &Store{db: db, lock: lock}
	if err := s.init(ctx, location); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, location string) error {
	from, err := inspect(ctx, s.db, location)
	if err != nil {
		return err
	}
	if location != Memory {
		var mode string
		if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
			return fmt.Errorf("switch store %s to WAL: %w", location, err)
		}
		if !strings.EqualFold(mode, "wal") {
			return fmt.Errorf("switch store %s to WAL: journal mode is still %q", location, mode)
		}
	}
	to, err := apply(ctx, s.db, location, from)
	if err != nil {
		return err
	}
	if err := s.stmts.prepare(ctx, s.db); err != nil {
		return fmt.Errorf("prepare statements for store %s: %w", location, err)
	}
	s.from = from
	s.info = driver.Info{Driver: "sqlite", Location: location, SchemaVersion: to}
	return nil
}

// Info describes the store; it stays valid after Close.
func (s *Store) Info() driver.Info { return s.info }

// Migrated reports the schema version the store had when it was opened and
// the version it has now.
func (s *Store) Migrated() (from, to int) { return s.from, s.info.SchemaVersion }

// Close waits for calls in progress, closes the database and releases the
// lock. Closing a closed store does nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := errors.Join(s.stmts.close(), s.db.Close())
	// The lock goes last: the next kernel must find the file complete.
	err = errors.Join(err, s.lock.release())
	if err != nil {
		return fmt.Errorf("close store %s: %w", s.info.Location, err)
	}
	return nil
}

// enter holds the store open for the length of one call; the caller must
// s.mu.RUnlock() when done.
func (s *Store) enter() error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return driver.ErrClosed
	}
	return nil
}
