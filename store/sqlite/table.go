package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ocapgo/ocap/store/driver"
	"github.com/ocapgo/ocap/store/internal/kv"
)

// Get returns the value stored at key.
func (s *Store) Get(ctx context.Context, key string) (string, bool, error) {
	if err := s.enter(); err != nil {
		return "", false, fmt.Errorf("get %q from store %s: %w", key, s.info.Location, err)
	}
	defer s.mu.RUnlock()
	var value string
	err := s.stmts.get.QueryRowContext(ctx, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get %q from store %s: %w", key, s.info.Location, err)
	}
	return value, true, nil
}

// Scan calls fn for every key starting with prefix, in byte order. fn may
// use the store (see kv.Scan).
func (s *Store) Scan(ctx context.Context, prefix string, fn func(key, value string) error) error {
	return s.ScanFrom(ctx, prefix, prefix, fn)
}

// ScanFrom is Scan from the first key >= from.
func (s *Store) ScanFrom(ctx context.Context, prefix, from string, fn func(key, value string) error) error {
	return kv.ScanFrom(prefix, from, func(from, end string, bounded bool, limit int) ([]kv.Pair, error) {
		pairs, err := s.page(ctx, from, end, bounded, limit)
		if err != nil {
			return nil, fmt.Errorf("scan %q in store %s: %w", prefix, s.info.Location, err)
		}
		return pairs, nil
	}, fn)
}

func (s *Store) page(ctx context.Context, from, end string, bounded bool, limit int) ([]kv.Pair, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var rows *sql.Rows
	var err error
	if bounded {
		rows, err = s.stmts.scanBounded.QueryContext(ctx, from, end, limit)
	} else {
		rows, err = s.stmts.scanOpen.QueryContext(ctx, from, limit)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pairs := make([]kv.Pair, 0, min(limit, 64))
	for rows.Next() {
		var p kv.Pair
		if err := rows.Scan(&p.Key, &p.Value); err != nil {
			return nil, err
		}
		pairs = append(pairs, p)
	}
	return pairs, rows.Err()
}

// Commit applies writes in order in one transaction; later writes to a key
// win. On any error the transaction rolls back and nothing is applied.
func (s *Store) Commit(ctx context.Context, writes []driver.Write) error {
	if err := s.enter(); err != nil {
		return fmt.Errorf("commit to store %s: %w", s.info.Location, err)
	}
	defer s.mu.RUnlock()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("commit to store %s: %w", s.info.Location, err)
	}
	if len(writes) == 0 {
		return nil
	}
	// A context that can end makes the driver start a goroutine for each
	// statement, to interrupt it: hundreds at a time under load, a CPU cost
	// on every crank and goroutine records the runtime never frees. A
	// commit to a local file is not worth interrupting halfway; its locks
	// are bounded by busy_timeout.
	ctx = context.WithoutCancel(ctx)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit to store %s: begin: %w", s.info.Location, err)
	}
	upsert := tx.StmtContext(ctx, s.stmts.upsert)
	del := tx.StmtContext(ctx, s.stmts.del)
	for _, w := range writes {
		if w.Delete {
			_, err = del.ExecContext(ctx, w.Key)
		} else {
			_, err = upsert.ExecContext(ctx, w.Key, w.Value)
		}
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("commit to store %s: write %q: %w", s.info.Location, w.Key, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit to store %s: %w", s.info.Location, err)
	}
	return nil
}

// Wipe deletes every key in one transaction, keeping the schema.
func (s *Store) Wipe(ctx context.Context) error {
	if err := s.enter(); err != nil {
		return fmt.Errorf("wipe store %s: %w", s.info.Location, err)
	}
	defer s.mu.RUnlock()
	if _, err := s.stmts.wipe.ExecContext(ctx); err != nil {
		return fmt.Errorf("wipe store %s: %w", s.info.Location, err)
	}
	return nil
}
