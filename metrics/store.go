package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ocapgo/ocap/store/driver"
)

// Store wraps db so that every Commit is timed and every failed one counted,
// labelled with db's driver. The drivers know nothing of metrics.
func (k *Kernel) Store(db driver.Store) driver.Store {
	name := db.Info().Driver
	if name == "" {
		name = "unknown"
	}
	k.commitErrors.WithLabelValues(name) // zero until the first failure
	return &instrumentedStore{
		Store:    db,
		duration: k.commitDuration.WithLabelValues(name),
		errors:   k.commitErrors.WithLabelValues(name),
	}
}

// instrumentedStore embeds the store it wraps: every method but Commit
// passes straight through.
type instrumentedStore struct {
	driver.Store
	duration prometheus.Observer
	errors   prometheus.Counter
}

func (s *instrumentedStore) Commit(ctx context.Context, writes []driver.Write) error {
	start := time.Now()
	err := s.Store.Commit(ctx, writes)
	s.duration.Observe(time.Since(start).Seconds())
	if err != nil {
		s.errors.Inc()
	}
	return err
}
