package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ocapgo/ocap/migrations"
	"github.com/ocapgo/ocap/store/driver"
	"github.com/ocapgo/ocap/store/internal/kv"
)

const versionTable = "ocap_schema_version"

// inspect returns the schema version of the database at location, 0 for a
// brand-new one, and refuses what is not a kernel store: a file that is not
// a SQLite database, or a database with tables of its own but no
// ocap_schema_version, or a version newer than this kernel knows. It only
// reads, so a database opened by mistake is left exactly as it was.
func inspect(ctx context.Context, db *sql.DB, location string) (int, error) {
	rows, err := db.QueryContext(ctx,
		`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		if isNotADatabase(err) {
			return 0, kv.Errorf(driver.ErrNotKernelStore,
				"%s is not an ocap kernel store: it is not a SQLite database", location)
		}
		return 0, fmt.Errorf("list tables of %s: %w", location, err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, fmt.Errorf("list tables of %s: %w", location, err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("list tables of %s: %w", location, err)
	}

	if len(tables) == 0 {
		return 0, nil
	}
	ours := false
	for _, name := range tables {
		ours = ours || name == versionTable
	}
	if !ours {
		return 0, kv.Errorf(driver.ErrNotKernelStore,
			"%s is not an ocap kernel store: it holds table %q but no %s table", location, tables[0], versionTable)
	}

	var version int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM `+versionTable).Scan(&version); err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w", location, err)
	}
	if latest := migrations.Latest("sqlite"); version > latest {
		return 0, kv.NewerSchema(location, version, latest)
	}
	return version, nil
}

// apply runs every migration newer than from, each in one transaction with
// the row recording it, and returns the version reached.
func apply(ctx context.Context, db *sql.DB, location string, from int) (int, error) {
	to := from
	for _, m := range migrations.For("sqlite") {
		if m.Version <= from {
			continue
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return to, fmt.Errorf("migrate %s to version %d: %w", location, m.Version, err)
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			return to, fmt.Errorf("migrate %s to version %d (%s): %w", location, m.Version, m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+versionTable+`(version) VALUES (?)`, m.Version); err != nil {
			tx.Rollback()
			return to, fmt.Errorf("record version %d in %s: %w", m.Version, location, err)
		}
		if err := tx.Commit(); err != nil {
			return to, fmt.Errorf("migrate %s to version %d: %w", location, m.Version, err)
		}
		to = m.Version
	}
	return to, nil
}

// isNotADatabase reports whether SQLite refused a file for not being a
// database.
func isNotADatabase(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_NOTADB
}
