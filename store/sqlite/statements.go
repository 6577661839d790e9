package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// statements are prepared once per store: on the store's single connection
// they are compiled once and only re-bound on every call.
type statements struct {
	get, upsert, del      *sql.Stmt
	scanBounded, scanOpen *sql.Stmt
	wipe                  *sql.Stmt
}

func (st *statements) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&st.get, `SELECT value FROM ocap_kv WHERE key = ?`},
		{&st.upsert, `INSERT INTO ocap_kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`},
		{&st.del, `DELETE FROM ocap_kv WHERE key = ?`},
		// Both scans are ranges on the primary key, so SQLite walks the
		// index from the first key and stops at the end of the range.
		{&st.scanBounded, `SELECT key, value FROM ocap_kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?`},
		{&st.scanOpen, `SELECT key, value FROM ocap_kv WHERE key >= ? ORDER BY key LIMIT ?`},
		{&st.wipe, `DELETE FROM ocap_kv`},
	} {
		stmt, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			st.close()
			return err
		}
		*p.dst = stmt
	}
	return nil
}

func (st *statements) close() error {
	var err error
	for _, s := range []*sql.Stmt{st.get, st.upsert, st.del, st.scanBounded, st.scanOpen, st.wipe} {
		if s != nil {
			err = errors.Join(err, s.Close())
		}
	}
	return err
}
