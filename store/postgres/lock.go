package postgres

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"

	"github.com/ocapgo/ocap/store/driver"
	"github.com/ocapgo/ocap/store/internal/kv"
)

// lockKey is the advisory lock that marks a schema as owned by one kernel.
// Advisory locks are per database, so the schema name is enough.
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("ocap kernel store " + schema))
	return int64(h.Sum64())
}

// lock takes the store's advisory lock on conn without waiting. The lock
// belongs to conn's session: it holds for as long as conn stays open and
// ends with it, including when the kernel process dies.
func lock(ctx context.Context, conn *pgx.Conn, cfg *config) error {
	key := lockKey(cfg.schema)
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
		return fmt.Errorf("lock store %s: %w", cfg.location, err)
	}
	if !ok {
		return kv.Errorf(driver.ErrLocked, "store %s is in use by another kernel (%s)", cfg.location, holder(ctx, conn, key))
	}
	return nil
}

// holder describes the session holding the lock key, as far as this role
// may see it.
func holder(ctx context.Context, conn *pgx.Conn, key int64) string {
	// pg_locks shows a bigint advisory key as its high and low 32 bits.
	var pid int32
	var app string
	err := conn.QueryRow(ctx, `
		SELECT l.pid, coalesce(a.application_name, '')
		FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
		  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND l.classid::bigint = $1 AND l.objid::bigint = $2`,
		int64(uint32(uint64(key)>>32)), int64(uint32(key))).Scan(&pid, &app)
	switch {
	case err != nil:
		return "holder unknown"
	case app != "":
		return fmt.Sprintf("%s, PostgreSQL backend pid %d", app, pid)
	default:
		return fmt.Sprintf("PostgreSQL backend pid %d", pid)
	}
}
