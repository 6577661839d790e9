package sqlite

import "context"

// Exec runs SQL on the store's own connection: with the file locked
// exclusively, tests cannot reach it through another one.
func (s *Store) Exec(ctx context.Context, query string) error {
	_, err := s.db.ExecContext(ctx, query)
	return err
}
