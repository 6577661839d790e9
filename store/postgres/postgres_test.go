package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/migrations"
	"github.com/ocapgo/ocap/store/driver"
	"github.com/ocapgo/ocap/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) storetest.Target {
		u := storetest.PostgresURL(t)
		return storetest.Target{
			Open: func(ctx context.Context) (driver.Store, error) {
				s, err := Open(ctx, u)
				if err != nil {
					return nil, err
				}
				return s, nil
			},
			FailWrite: func(ctx context.Context, key string) error {
				return execRaw(ctx, u, fmt.Sprintf(`
					CREATE FUNCTION fail_write() RETURNS trigger LANGUAGE plpgsql AS
					  $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
					CREATE TRIGGER fail_write BEFORE INSERT OR UPDATE ON ocap_kv FOR EACH ROW
					  WHEN (NEW.key = decode('%s', 'hex')) EXECUTE FUNCTION fail_write();`,
					hex.EncodeToString([]byte(key))))
			},
		}
	})
}

// execRaw runs SQL through a connection of its own, beside any store.
func execRaw(ctx context.Context, u, sql string, args ...any) error {
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

func openT(t *testing.T, u string) *Store {
	t.Helper()
	s, err := Open(t.Context(), u)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testDatabase is the database the test server's URL names.
func testDatabase(t *testing.T) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(storetest.PostgresBaseURL())
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Database
}

// withSchema returns the test server's URL with search_path set to schema.
func withSchema(t *testing.T, schema string) string {
	t.Helper()
	u, err := url.Parse(storetest.PostgresBaseURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func schemaOf(t *testing.T, u string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return pu.Query().Get("search_path")
}

func TestLockedNamesStoreAndHolder(t *testing.T) {
	u := storetest.PostgresURL(t)
	first := openT(t, u)
	_, err := Open(t.Context(), u)
	if !errors.Is(err, driver.ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	for _, want := range []string{
		"is in use by another kernel",
		"search_path=" + schemaOf(t, u),
		"/" + testDatabase(t) + "?",
		"ocap kernel pid " + strconv.Itoa(os.Getpid()),
		"PostgreSQL backend pid",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	openT(t, u)
}

// A lock still held for a kernel process that is gone (its session not
// ended yet) is waited for; one held for a live process is refused at once.
func TestLockOfAGoneKernelIsWaitedFor(t *testing.T) {
	u := storetest.PostgresURL(t)
	openT(t, u).Close() // creates the schema

	// A process that has exited: its pid is free until reused.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	holderURL := u + "&application_name=" + url.PathEscape(kernelAppPrefix+strconv.Itoa(gone.Process.Pid))
	conn, err := pgx.Connect(t.Context(), holderURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), `SELECT pg_advisory_lock($1)`, lockKey(schemaOf(t, u))); err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	go func() {
		s, err := Open(context.Background(), u)
		if err == nil {
			s.Close()
		}
		opened <- err
	}()
	// Open waits while the gone kernel's session holds the lock...
	select {
	case err := <-opened:
		t.Fatalf("open returned while a gone kernel's lock was held: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	// ...and gets the store once the session lets go.
	if err := unlock(t.Context(), conn, schemaOf(t, u)); err != nil {
		t.Fatal(err)
	}
	if err := <-opened; err != nil {
		t.Fatalf("open after the gone kernel's session ended: %v", err)
	}
}

// TestLocksArePerSchema: two kernels may share a database in two schemas.
func TestLocksArePerSchema(t *testing.T) {
	openT(t, storetest.PostgresURL(t))
	openT(t, storetest.PostgresURL(t))
}

func TestNewerSchemaRefused(t *testing.T) {
	u := storetest.PostgresURL(t)
	openT(t, u).Close()
	newer := migrations.Latest("postgres") + 5
	if err := execRaw(t.Context(), u, `INSERT INTO ocap_schema_version (version) VALUES ($1)`, newer); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), u)
	if !errors.Is(err, driver.ErrNewerSchema) {
		t.Fatalf("open: %v, want ErrNewerSchema", err)
	}
	for _, want := range []string{schemaOf(t, u), strconv.Itoa(newer), strconv.Itoa(migrations.Latest("postgres")), "newer ocap kernel"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestNotAKernelStore(t *testing.T) {
	u := storetest.PostgresURL(t)
	if err := execRaw(t.Context(), u, `CREATE TABLE users (id int PRIMARY KEY, name text)`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), u)
	if !errors.Is(err, driver.ErrNotKernelStore) {
		t.Fatalf("open: %v, want ErrNotKernelStore", err)
	}
	for _, want := range []string{schemaOf(t, u), `database "` + testDatabase(t) + `"`, `"users"`, "search_path"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	// Nothing was added to the foreign schema.
	var n int
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_tables WHERE schemaname = $1`, schemaOf(t, u)).Scan(&n)
	if n != 1 {
		t.Errorf("foreign schema holds %d tables, want its 1", n)
	}
}

// TestSearchPathHonoured checks that the tables, and the data, live in the
// URL's schema, by looking at them from a session with no search_path.
func TestSearchPathHonoured(t *testing.T) {
	u := storetest.PostgresURL(t)
	schema := schemaOf(t, u)
	s := openT(t, u)
	if err := s.Commit(t.Context(), []driver.Write{{Key: "here", Value: "yes"}}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), storetest.PostgresBaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	rows, _ := conn.Query(t.Context(), `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, schema)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || strings.Join(tables, ",") != "ocap_kv,ocap_schema_version" {
		t.Errorf("tables in %s: %v, %v", schema, tables, err)
	}
	var value []byte
	q := fmt.Sprintf(`SELECT value FROM %s.ocap_kv WHERE key = 'here'::bytea`, pgx.Identifier{schema}.Sanitize())
	if err := conn.QueryRow(t.Context(), q).Scan(&value); err != nil || string(value) != "yes" {
		t.Errorf("%s: %q, %v", q, value, err)
	}
	var inPublic bool
	conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'ocap_kv')`).Scan(&inPublic)
	if inPublic {
		var leaked bool
		conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM public.ocap_kv WHERE key = 'here'::bytea)`).Scan(&leaked)
		if leaked {
			t.Error("the write landed in public.ocap_kv")
		}
	}
}

// TestSchemaCreated opens a schema that does not exist yet, with a
// mixed-case name that only survives if it is quoted everywhere.
func TestSchemaCreated(t *testing.T) {
	var b [6]byte
	rand.Read(b[:])
	schema := "Ocap_Created_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		execRaw(context.Background(), storetest.PostgresBaseURL(), `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
	})
	u := withSchema(t, schema)
	s := openT(t, u)
	if err := s.Commit(t.Context(), []driver.Write{{Key: "k", Value: "v"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Info().Location, "search_path="+schema) {
		t.Errorf("Location %q does not name schema %s", s.Info().Location, schema)
	}
	var n int
	conn, err := pgx.Connect(t.Context(), storetest.PostgresBaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_tables WHERE schemaname = $1`, schema).Scan(&n)
	if n != 2 {
		t.Errorf("schema %s holds %d tables, want 2", schema, n)
	}
}

func TestLocationHasNoPassword(t *testing.T) {
	// The test server trusts local connections, so any password works.
	u := strings.Replace(storetest.PostgresURL(t), "postgres://postgres@", "postgres://postgres:s3cr3t@", 1)
	s := openT(t, u)
	if loc := s.Info().Location; strings.Contains(loc, "s3cr3t") || !strings.HasPrefix(loc, "postgres://postgres@") {
		t.Errorf("Location = %q", loc)
	}
}

func TestServerDown(t *testing.T) {
	// Port 1 on the loopback interface: nothing listens there.
	_, err := Open(t.Context(), "postgres://ocap:pw@127.0.0.1:1/kernel?sslmode=disable&connect_timeout=5")
	if err == nil {
		t.Fatal("open succeeded")
	}
	for _, want := range []string{"127.0.0.1:1", "start PostgreSQL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "pw@") {
		t.Errorf("error %q shows the password", err)
	}
}

func TestParseConfig(t *testing.T) {
	cfg, err := parseConfig("postgresql://k:pw@db.example:6543/ocap?search_path=Kernel1&synchronous_commit=off&sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.pool.ConnConfig.RuntimeParams
	if cfg.schema != "Kernel1" || p["search_path"] != `"Kernel1"` || p["synchronous_commit"] != "off" {
		t.Errorf("schema %q, params %v", cfg.schema, p)
	}
	if want := "postgres://k@db.example:6543/ocap?search_path=Kernel1"; cfg.location != want {
		t.Errorf("location %q, want %q", cfg.location, want)
	}
	if cfg, err := parseConfig("postgres://k@h/db"); err != nil || cfg.schema != "public" {
		t.Errorf("default schema: %v, %v", cfg, err)
	}
	for _, bad := range []string{
		"postgres://k@h/db?search_path=a,b",
		"postgres://k@h/db?search_path=" + strings.Repeat("s", 64),
		"postgres://k@h/db?synchronous_commit=sometimes",
		"postgres://k@h:notaport/db",
	} {
		if _, err := parseConfig(bad); err == nil {
			t.Errorf("parseConfig(%q) succeeded", bad)
		}
	}
}

func TestSynchronousCommitReachesSessions(t *testing.T) {
	s := openT(t, storetest.PostgresURL(t)+"&synchronous_commit=off")
	var pooled, writer string
	if err := s.pool.QueryRow(t.Context(), "SHOW synchronous_commit").Scan(&pooled); err != nil {
		t.Fatal(err)
	}
	if err := s.conn.QueryRow(t.Context(), "SHOW synchronous_commit").Scan(&writer); err != nil {
		t.Fatal(err)
	}
	if pooled != "off" || writer != "off" {
		t.Errorf("synchronous_commit: pool %q, writer %q; want off", pooled, writer)
	}
}

// TestCancelledCommitKeepsLock cancels a commit while the server is running
// it: the statement must roll back, and the connection that holds the lock
// must survive, or another kernel could take the store.
func TestCancelledCommitKeepsLock(t *testing.T) {
	u := storetest.PostgresURL(t)
	s := openT(t, u)
	ctx := t.Context()

	// Another session locks the table, so the commit waits inside the server.
	blocker, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close(ctx)
	tx, err := blocker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE ocap_kv IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Commit(cctx, []driver.Write{{Key: "k", Value: "v"}}) }()
	waitFor(t, func() bool {
		var waiting bool
		blocker.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND pid = $1)`, s.conn.PgConn().PID()).Scan(&waiting)
		return waiting
	})
	cancel()
	if err := <-done; err == nil {
		t.Fatal("cancelled commit succeeded")
	}
	tx.Rollback(ctx)

	if s.conn.IsClosed() {
		t.Fatal("cancelling a commit closed the connection holding the lock")
	}
	if _, err := Open(ctx, u); !errors.Is(err, driver.ErrLocked) {
		t.Errorf("open beside the store: %v, want ErrLocked", err)
	}
	if _, ok, _ := s.Get(ctx, "k"); ok {
		t.Error("the cancelled commit was applied")
	}
	if err := s.Commit(ctx, []driver.Write{{Key: "k", Value: "after"}}); err != nil {
		t.Errorf("commit after a cancelled one: %v", err)
	}
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	testutil.WaitFor(t, testutil.Patience, "the condition", cond)
}

func TestCollapse(t *testing.T) {
	dels, keys, values := collapse([]driver.Write{
		{Key: "a", Value: "1"}, {Key: "b", Value: "1"}, {Key: "a", Delete: true},
		{Key: "c", Delete: true}, {Key: "c", Value: ""}, {Key: "b", Value: "2"},
	})
	str := func(bs [][]byte) string {
		var out []string
		for _, b := range bs {
			if b == nil {
				out = append(out, "<nil>")
			}
			out = append(out, string(b))
		}
		return strings.Join(out, ",")
	}
	if str(dels) != "a" || str(keys) != "c,b" || str(values) != ",2" {
		t.Errorf("collapse: dels %q keys %q values %q", str(dels), str(keys), str(values))
	}
	if d, k, v := collapse([]driver.Write{{Key: "x", Value: "1"}}); d == nil || k == nil || v == nil {
		t.Error("collapse returned a nil slice, which pgx would send as NULL")
	}
}
