package store

import (
	"context"
	"fmt"
)

// migrated is implemented by both drivers' stores.
type migrated interface {
	Migrated() (from, to int)
}

// Migrate brings the store at url up to this kernel's schema and closes it,
// for the `kernel migrate` verb. from is the version the store had (0 for a
// store this call created), to the version it has now; they are equal when
// there was nothing to do. Open migrates too: Migrate exists to do it on
// purpose, and to report it.
func Migrate(ctx context.Context, url string) (from, to int, err error) {
	s, err := Open(ctx, url)
	if err != nil {
		return 0, 0, err
	}
	m, ok := s.(migrated)
	if !ok {
		s.Close()
		return 0, 0, fmt.Errorf("migrate store %s: driver %s does not report migrations", s.Info().Location, s.Info().Driver)
	}
	from, to = m.Migrated()
	if err := s.Close(); err != nil {
		return from, to, fmt.Errorf("migrate store %s: %w", s.Info().Location, err)
	}
	return from, to, nil
}
