package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/store/driver"
)

// BenchCommit measures Commit with batches shaped like a crank's: 10 writes,
// 8 sets of ~100-byte values and 2 deletes, over a working set of 10,000
// keys, so most sets overwrite an existing row. One op is one commit.
func BenchCommit(b *testing.B, s driver.Store) {
	const keys, perCommit = 10_000, 10
	value := strings.Repeat("x", 100)
	batches := make([][]driver.Write, keys/perCommit)
	for i := range batches {
		for j := range perCommit {
			k := fmt.Sprintf("v1.vs.vom.o+%d/%d", j, i)
			w := driver.Write{Key: k, Value: value}
			if j >= 8 {
				w = driver.Write{Key: fmt.Sprintf("v1.vs.vom.o+%d/%d", j, (i+keys/perCommit/2)%len(batches)), Delete: true}
			}
			batches[i] = append(batches[i], w)
		}
	}
	ctx := context.Background()
	// Fill the working set first, so the timed loop sees a warm table.
	for _, batch := range batches {
		if err := s.Commit(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := s.Commit(ctx, batches[i%len(batches)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "commits/s")
}
