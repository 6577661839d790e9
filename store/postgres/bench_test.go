package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ocapgo/ocap/store/driver"
	"github.com/ocapgo/ocap/store/storetest"
)

// BenchmarkCommit measures Commit with the server's default
// synchronous_commit (on: each commit waits for a disk flush) and with
// synchronous_commit=off.
func BenchmarkCommit(b *testing.B) {
	eachMode(b, func(b *testing.B, s *Store) { storetest.BenchCommit(b, s) })
}

// BenchmarkCommitAsBatch measures the alternative commitSQL was chosen over:
// BEGIN, one statement per write and COMMIT, pipelined as one pgx.Batch
// (also one round trip). Kept to show the choice still holds.
func BenchmarkCommitAsBatch(b *testing.B) {
	eachMode(b, func(b *testing.B, s *Store) { storetest.BenchCommit(b, batchCommitter{s}) })
}

func eachMode(b *testing.B, run func(b *testing.B, s *Store)) {
	for _, c := range []struct{ name, params string }{
		{"synchronous_commit=default", ""},
		{"synchronous_commit=off", "&synchronous_commit=off"},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, err := Open(context.Background(), storetest.PostgresURL(b)+c.params)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			run(b, s)
		})
	}
}

type batchCommitter struct{ *Store }

func (c batchCommitter) Commit(ctx context.Context, writes []driver.Write) error {
	batch := &pgx.Batch{}
	batch.Queue("BEGIN")
	for _, w := range writes {
		if w.Delete {
			batch.Queue(`DELETE FROM ocap_kv WHERE key = $1`, bytes(w.Key))
		} else {
			batch.Queue(`INSERT INTO ocap_kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
				bytes(w.Key), bytes(w.Value))
		}
	}
	batch.Queue("COMMIT")
	return c.conn.SendBatch(ctx, batch).Close()
}
