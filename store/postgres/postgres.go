// Package postgres is the store driver for PostgreSQL, through pgx: the
// kernel's key-value space in one table of one schema, for deployments that
// already run a database server or want the store off the kernel's host.
//
// A store is one schema, chosen with search_path in the URL
// (postgres://user@host:5432/db?search_path=ocap); several kernels can share
// a database, each in its own schema. The schema is created when missing.
//
// Ownership: the store's writes all go through one connection, which holds
// a session advisory lock keyed on the schema name for the store's life. A
// second kernel on the same schema cannot take the lock and is refused with
// driver.ErrLocked. The lock ends with the session, so a crashed kernel
// never leaves it behind. If that connection is lost while the store is
// open, the lock may pass to another kernel; every later write then fails
// (it has no connection to go through), and the kernel must reopen the
// store, which takes the lock again or is refused.
//
// Speed: a Commit is one statement, so one network round trip, and atomic
// on its own (see commitSQL). Reads use a pool of other connections.
//
// Durability: with the server's default synchronous_commit=on, a Commit
// returns once the server has flushed it to disk. The URL parameter
// synchronous_commit=off makes the server acknowledge before that flush:
// every commit stays atomic and survives the kernel crashing, but if the
// PostgreSQL server itself crashes the last few commits (up to about three
// times wal_writer_delay) can be lost, the store then being consistent at an
// earlier crank. It trades that window for a much faster commit.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ocapgo/ocap/store/driver"
)

// Store is a kernel store in one PostgreSQL schema.
type Store struct {
	// mu guards closed: calls hold it shared for their duration, Close holds
	// it exclusively, so Close waits for a commit in progress to finish.
	mu     sync.RWMutex
	closed bool

	// wmu serialises use of conn, the connection that holds the lock and
	// carries every write.
	wmu  sync.Mutex
	conn *pgx.Conn
	pool *pgxpool.Pool

	info   driver.Info
	from   int
	schema string // names the lock
}

var _ driver.Store = (*Store)(nil)

// Open opens the store a postgres:// or postgresql:// URL names (see
// parseConfig for the parameters the store reads), creating its schema when
// missing, taking the store's lock and bringing its schema up to date.
//
// It fails with an error wrapping driver.ErrLocked while another kernel has
// the store open, driver.ErrNotKernelStore for a schema that holds other
// tables, and driver.ErrNewerSchema for a store written by a newer kernel.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := parseConfig(url)
	if err != nil {
		return nil, err
	}
	wc := cfg.pool.ConnConfig.Copy()
	// A cancelled context asks the server to cancel the statement rather
	// than closing the connection, which would give up the lock.
	wc.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 10 * time.Second}
	}
	conn, err := pgx.ConnectConfig(ctx, wc)
	if err != nil {
		return nil, connectError(cfg, err)
	}
	s, err := open(ctx, cfg, conn)
	if err != nil {
		closeConn(conn)
		return nil, err
	}
	return s, nil
}

func open(ctx context.Context, cfg *config, conn *pgx.Conn) (*Store, error) {
	if err := lock(ctx, conn, cfg); err != nil {
		return nil, err
	}
	if err := ensureSchema(ctx, conn, cfg); err != nil {
		return nil, err
	}
	from, err := inspect(ctx, conn, cfg)
	if err != nil {
		return nil, err
	}
	to, err := apply(ctx, conn, cfg, from)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg.pool)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", cfg.location, err)
	}
	return &Store{
		conn:   conn,
		pool:   pool,
		schema: cfg.schema,
		info:   driver.Info{Driver: "postgres", Location: cfg.location, SchemaVersion: to},
		from:   from,
	}, nil
}

// connectError says what failed to connect, and when no server answers at
// all, that one must be started.
func connectError(cfg *config, err error) error {
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("open store %s: no PostgreSQL server answers at %s; start PostgreSQL or correct the URL: %w",
			cfg.location, cfg.server, err)
	}
	return fmt.Errorf("open store %s: connect to PostgreSQL at %s: %w", cfg.location, cfg.server, err)
}

// Info describes the store; it stays valid after Close. Location carries no
// password.
func (s *Store) Info() driver.Info { return s.info }

// Migrated reports the schema version the store had when it was opened and
// the version it has now.
func (s *Store) Migrated() (from, to int) { return s.from, s.info.SchemaVersion }

// Close waits for calls in progress, closes the connections and so releases
// the lock. Closing a closed store does nothing.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Closing the session releases the lock too, but only once the server
	// notices; a failed unlock leaves it to that.
	_ = unlock(ctx, s.conn, s.schema)
	if err := closeConn(s.conn); err != nil {
		return fmt.Errorf("close store %s: %w", s.info.Location, err)
	}
	return nil
}

func closeConn(conn *pgx.Conn) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return conn.Close(ctx)
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
