package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ocapgo/ocap/store/driver"
	"github.com/ocapgo/ocap/store/internal/kv"
)

// commitSQL applies one Commit as a single statement: deletes as a
// data-modifying WITH, sets as an upsert from arrays. A single statement is
// atomic by itself (no BEGIN and COMMIT to send), and with pgx's statement
// cache it costs one network round trip whatever the number of writes.
//
// Both parts see the same snapshot and run in no defined order, so the key
// sets must not overlap and a key may appear only once among the sets:
// collapse reduces the writes to the last one per key first.
const commitSQL = `
WITH deleted AS (DELETE FROM ocap_kv WHERE key = ANY($1::bytea[]))
INSERT INTO ocap_kv (key, value) SELECT k, v FROM unnest($2::bytea[], $3::bytea[]) AS w(k, v)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`

// collapse keeps the last write of each key: the keys to delete, and the
// keys and values to set.
func collapse(writes []driver.Write) (dels, keys, values [][]byte) {
	last := make(map[string]int, len(writes))
	for i, w := range writes {
		last[w.Key] = i
	}
	dels, keys, values = [][]byte{}, [][]byte{}, [][]byte{}
	for i, w := range writes {
		switch {
		case last[w.Key] != i:
		case w.Delete:
			dels = append(dels, bytes(w.Key))
		default:
			keys = append(keys, bytes(w.Key))
			values = append(values, bytes(w.Value))
		}
	}
	return dels, keys, values
}

// bytes converts s for a bytea parameter: pgx sends a nil slice as NULL, so
// the empty string must become an empty, non-nil slice.
func bytes(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return []byte(s)
}

// Commit applies writes in one statement; later writes to a key win. On any
// error nothing is applied.
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
	dels, keys, values := collapse(writes)
	if err := s.write(ctx, commitSQL, dels, keys, values); err != nil {
		return fmt.Errorf("commit to store %s: %w", s.info.Location, err)
	}
	return nil
}

// Wipe deletes every key, keeping the schema.
func (s *Store) Wipe(ctx context.Context) error {
	if err := s.enter(); err != nil {
		return fmt.Errorf("wipe store %s: %w", s.info.Location, err)
	}
	defer s.mu.RUnlock()
	if err := s.write(ctx, `TRUNCATE ocap_kv`); err != nil {
		return fmt.Errorf("wipe store %s: %w", s.info.Location, err)
	}
	return nil
}

// write runs one statement on the connection that holds the lock.
func (s *Store) write(ctx context.Context, sql string, args ...any) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.conn.IsClosed() {
		return errors.New("the connection holding the store's lock was lost; reopen the store")
	}
	_, err := s.conn.Exec(ctx, sql, args...)
	if err != nil && s.conn.IsClosed() {
		return fmt.Errorf("%w (the connection holding the store's lock was lost; reopen the store)", err)
	}
	return err
}

// Get returns the value stored at key.
func (s *Store) Get(ctx context.Context, key string) (string, bool, error) {
	if err := s.enter(); err != nil {
		return "", false, fmt.Errorf("get %q from store %s: %w", key, s.info.Location, err)
	}
	defer s.mu.RUnlock()
	var value []byte
	err := s.pool.QueryRow(ctx, `SELECT value FROM ocap_kv WHERE key = $1`, bytes(key)).Scan(&value)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("get %q from store %s: %w", key, s.info.Location, err)
	}
	return string(value), true, nil
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
	// Two statements rather than one with an optional bound: a bound the
	// planner cannot see in a generic plan would turn the range scan into a
	// scan to the end of the index.
	var rows pgx.Rows
	var err error
	if bounded {
		rows, err = s.pool.Query(ctx, `SELECT key, value FROM ocap_kv WHERE key >= $1 AND key < $2 ORDER BY key LIMIT $3`,
			bytes(from), bytes(end), limit)
	} else {
		rows, err = s.pool.Query(ctx, `SELECT key, value FROM ocap_kv WHERE key >= $1 ORDER BY key LIMIT $2`,
			bytes(from), limit)
	}
	if err != nil {
		return nil, err
	}
	var k, v []byte
	pairs := make([]kv.Pair, 0, min(limit, 64))
	_, err = pgx.ForEachRow(rows, []any{&k, &v}, func() error {
		pairs = append(pairs, kv.Pair{Key: string(k), Value: string(v)})
		return nil
	})
	return pairs, err
}
