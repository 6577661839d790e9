package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"syscall"
	"time"

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
//
// A kernel on this machine that just closed the store or died still holds
// the lock until its PostgreSQL backend notices, which a busy server may
// take a moment to do: while the holder is gone (it names a process that
// no longer runs here, or let go as lock looked), lock tries again for up
// to deadHolderWait.
func lock(ctx context.Context, conn *pgx.Conn, cfg *config) error {
	key := lockKey(cfg.schema)
	deadline := time.Now().Add(deadHolderWait)
	for {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
			return fmt.Errorf("lock store %s: %w", cfg.location, err)
		}
		if ok {
			return nil
		}
		who, gone := holder(ctx, conn, key)
		if !gone || time.Now().After(deadline) {
			return kv.Errorf(driver.ErrLocked, "store %s is in use by another kernel (%s)", cfg.location, who)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("lock store %s: %w", cfg.location, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// kernelAppPrefix starts the application_name a kernel gives its sessions.
const kernelAppPrefix = "ocap kernel pid "

// deadHolderWait bounds how long lock waits for a dead holder's session to end.
const deadHolderWait = 30 * time.Second

// unlock releases the lock at once; closing the session would release it
// only once the server has noticed.
func unlock(ctx context.Context, conn *pgx.Conn, schema string) error {
	_, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, lockKey(schema))
	return err
}

// processRuns reports whether a process with this id runs on this machine.
func processRuns(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// holder describes the session holding the lock key, as far as this role
// may see it, and reports whether that holder is gone: no session holds
// the key any more, or the session names a kernel process that no longer
// runs on this machine.
func holder(ctx context.Context, conn *pgx.Conn, key int64) (who string, gone bool) {
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
	case errors.Is(err, pgx.ErrNoRows):
		return "holder unknown", true
	case err != nil:
		return "holder unknown", false
	case strings.HasPrefix(app, kernelAppPrefix):
		kernelPID, err := strconv.Atoi(strings.TrimPrefix(app, kernelAppPrefix))
		return fmt.Sprintf("%s, PostgreSQL backend pid %d", app, pid), err == nil && !processRuns(kernelPID)
	case app != "":
		return fmt.Sprintf("%s, PostgreSQL backend pid %d", app, pid), false
	default:
		return fmt.Sprintf("PostgreSQL backend pid %d", pid), false
	}
}
