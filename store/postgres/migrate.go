package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/ocapgo/ocap/migrations"
	"github.com/ocapgo/ocap/store/driver"
	"github.com/ocapgo/ocap/store/internal/kv"
)

const versionTable = "ocap_schema_version"

// ensureSchema creates the store's schema when it does not exist yet.
// Checking first, rather than CREATE SCHEMA IF NOT EXISTS, lets a role
// without the right to create schemas use one made for it.
func ensureSchema(ctx context.Context, conn *pgx.Conn, cfg *config) error {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, cfg.schema).Scan(&exists); err != nil {
		return fmt.Errorf("look for schema %q of store %s: %w", cfg.schema, cfg.location, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{cfg.schema}.Sanitize()); err != nil {
		return fmt.Errorf("create schema %q for store %s: %w", cfg.schema, cfg.location, err)
	}
	return nil
}

// inspect returns the schema version of the store, 0 for an empty schema,
// and refuses a schema that holds tables but no ocap_schema_version, or a
// version newer than this kernel knows. It only reads.
func inspect(ctx context.Context, conn *pgx.Conn, cfg *config) (int, error) {
	rows, err := conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, cfg.schema)
	if err != nil {
		return 0, fmt.Errorf("list tables of store %s: %w", cfg.location, err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("list tables of store %s: %w", cfg.location, err)
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
			"schema %q of database %q at %s is not an ocap kernel store: it holds table %q but no %s table; give the kernel a schema of its own with ?search_path=NAME",
			cfg.schema, cfg.pool.ConnConfig.Database, cfg.server, tables[0], versionTable)
	}
	var version int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM `+versionTable).Scan(&version); err != nil {
		return 0, fmt.Errorf("read schema version of store %s: %w", cfg.location, err)
	}
	if latest := migrations.Latest("postgres"); version > latest {
		return 0, kv.NewerSchema(cfg.location, version, latest)
	}
	return version, nil
}

// apply runs every migration newer than from, each in one transaction with
// the row recording it, and returns the version reached.
func apply(ctx context.Context, conn *pgx.Conn, cfg *config, from int) (int, error) {
	to := from
	for _, m := range migrations.For("postgres") {
		if m.Version <= from {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// Without arguments pgx sends the text as one simple query, so a
			// migration may hold several statements.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO `+versionTable+` (version) VALUES ($1)`, m.Version)
			return err
		})
		if err != nil {
			return to, fmt.Errorf("migrate store %s to version %d: %w", cfg.location, m.Version, err)
		}
		to = m.Version
	}
	return to, nil
}
