package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultPostgresURL is the server tests use when $OCAP_TEST_POSTGRES_URL
// is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// startPostgres is how to start the local server the default URL points at.
const startPostgres = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"

// Drivers maps each store driver's name to a function returning the URL of
// a fresh, empty store of that driver, private to one test and removed when
// it ends. A test that should pass on every driver runs once per entry:
//
//	for name, newURL := range storetest.Drivers() {
//		t.Run(name, func(t *testing.T) {
//			db, err := store.Open(t.Context(), newURL(t))
//			...
//		})
//	}
func Drivers() map[string]func(t testing.TB) string {
	return map[string]func(t testing.TB) string{
		"sqlite":   SQLiteURL,
		"postgres": PostgresURL,
	}
}

// SQLiteURL returns the URL of a new SQLite store file in t.TempDir().
func SQLiteURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "kernel.db")
}

// PostgresBaseURL is the test server's URL: $OCAP_TEST_POSTGRES_URL, else
// DefaultPostgresURL.
func PostgresBaseURL() string {
	if u := os.Getenv("OCAP_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// PostgresURL returns a URL for a new, empty schema ocap_test_<random> on the
// test server ($OCAP_TEST_POSTGRES_URL, else DefaultPostgresURL), selected
// with search_path. The schema is dropped, with everything in it, when the
// test ends; stores opened on it must be closed before then (t.Cleanup runs
// cleanups registered later first, so closing in a cleanup is enough).
//
// When no server answers the test fails, saying how to start one: a test
// run that skipped every PostgreSQL test would pass without having tested
// anything.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := PostgresBaseURL()
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("storetest: $OCAP_TEST_POSTGRES_URL must be a postgres:// URL, got %q", base)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "ocap_test_" + hex.EncodeToString(b[:])

	exec(t, base, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	t.Cleanup(func() {
		exec(t, base, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	})

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// exec runs one statement on its own connection to the test server.
func exec(t testing.TB, base, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		shown := base
		if u, perr := url.Parse(base); perr == nil {
			shown = u.Redacted()
		}
		t.Fatalf("storetest: cannot connect to the test PostgreSQL at %s: %v\n"+
			"Start the local server with:\n\t%s\n"+
			"or point $OCAP_TEST_POSTGRES_URL at a server.", shown, err, startPostgres)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("storetest: %s: %v", sql, err)
	}
}
