package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/migrations"
	"github.com/ocapgo/ocap/store/storetest"
)

// runCmd runs a `kernel run` process to completion, workers included.
func runCmd(t *testing.T, args ...string) result {
	t.Helper()
	return runKernel(t, []string{"OCAP_WORKER_PATH=" + testutil.WorkerPath(t)}, nil, append([]string{"run"}, args...)...)
}

// TestDurableCounterAcrossRuns: three `kernel run` processes in a row over
// one store increment a counter kept in baggage and read 1, 2, 3; the
// subcluster was launched (bootstrap) once and rebuilt (buildRootObject) at
// every start.
func TestDurableCounterAcrossRuns(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		cluster := clusterFile(t, "durable-counter.json")
		for i := 1; i <= 3; i++ {
			r := runCmd(t, "--db", url, cluster, "--call", "increment")
			if r.code != 0 || r.stdout != strconv.Itoa(i)+"\n" {
				t.Fatalf("run %d of increment: want %d, got %s", i, i, r)
			}
		}
		r := runCmd(t, "--db", url, cluster, "--call", "stats")
		if r.code != 0 || r.stdout != `{"bootstraps":1,"count":3,"starts":4}`+"\n" {
			t.Fatalf("stats after three increments (fourth run): want 1 bootstrap, count 3, 4 starts; got %s", r)
		}
	})
}

// TestBaggagePresenceSurvivesRestart: the holder vat keeps the target vat's
// root presence in baggage and still reaches it after `kernel stop` and a
// new `kernel serve`; a presence of the target's non-durable object, held
// by the host or in the holder's baggage, rejects with "no longer exists".
func TestBaggagePresenceSurvivesRestart(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		sock := filepath.Join(shortDir(t), "k.sock")
		d := startServe(t, url, sock)
		d.waitReady()
		var launched struct {
			SubclusterID    string `json:"subclusterId"`
			RootKref        string `json:"rootKref"`
			BootstrapResult string `json:"bootstrapResult"`
		}
		ok(t, sock, &launched, "launch", clusterFile(t, "durable-holder.json"))
		if launched.BootstrapResult != "holder is ready" {
			t.Fatalf("launch: %+v", launched)
		}
		root := launched.RootKref
		if out := ok(t, sock, nil, "send", root, "callTarget", "hi"); out != `"target heard hi (start 1)"` {
			t.Fatalf("callTarget before the restart: %s", out)
		}
		var thing struct {
			Kref  string `json:"@kref"`
			Iface string `json:"@iface"`
		}
		ok(t, sock, &thing, "send", root, "keepThing", "pebble")
		if !strings.HasPrefix(thing.Kref, "ko") {
			t.Fatalf("keepThing returned %+v, want a remotable", thing)
		}
		if out := ok(t, sock, nil, "send", thing.Kref, "getName"); out != `"pebble"` {
			t.Fatalf("getName on the host's presence before the restart: %s", out)
		}
		if out := ok(t, sock, nil, "send", root, "callThing"); out != `"pebble"` {
			t.Fatalf("callThing before the restart: %s", out)
		}

		workers := d.workers()
		ok(t, sock, nil, "stop")
		if code := d.wait(testutil.Patience); code != 0 {
			t.Fatalf("exit %d after stop", code)
		}
		testutil.WaitFor(t, testutil.Patience, "every worker to exit", func() bool { return allGone(workers) })

		d = startServe(t, url, sock)
		d.waitReady()
		if out := ok(t, sock, nil, "send", root, "callTarget", "again"); out != `"target heard again (start 2)"` {
			t.Fatalf("callTarget after the restart: %s", out)
		}
		if out := ok(t, sock, nil, "send", root, "starts"); out != "2" {
			t.Fatalf("holder starts after the restart: %s", out)
		}
		msg := fails(t, sock, "send", thing.Kref, "getName")
		if !strings.Contains(msg, "no longer exists") || !strings.Contains(msg, thing.Kref) {
			t.Fatalf("getName on the host's presence of a non-durable object after the restart: %q; want it to say %s no longer exists", msg, thing.Kref)
		}
		msg = fails(t, sock, "send", root, "callThing")
		if !strings.Contains(msg, "no longer exists") {
			t.Fatalf("callThing (presence kept in baggage) after the restart: %q; want \"no longer exists\"", msg)
		}
		// The holder is fine after that rejection.
		if out := ok(t, sock, nil, "send", root, "callTarget", "still"); out != `"target heard still (start 2)"` {
			t.Fatalf("callTarget after the rejection: %s", out)
		}
		ok(t, sock, nil, "stop")
		d.wait(testutil.Patience)
	})
}

// TestRunRefusesAFileThatIsNotAStore: `kernel run --db sqlite://FILE` on a
// text file exits 1 naming the file and saying it is not a kernel store,
// and leaves the file as it was.
func TestRunRefusesAFileThatIsNotAStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	text := "remember the milk\nand the eggs\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, "--db", "sqlite://"+path, clusterFile(t, "durable-counter.json"), "--call", "increment")
	if r.code != 1 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 ||
		!strings.Contains(r.stderr, path) || !strings.Contains(r.stderr, "is not an ocap kernel store") {
		t.Fatalf("run on a text file: want exit 1 and one line naming %s and saying it is not a kernel store; got %s", path, r)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != text {
		t.Fatalf("the text file changed: %q, %v", got, err)
	}
}

// TestRunRefusesANewerStore: a store whose schema version row is newer than
// this kernel's makes `kernel run` exit 1 naming both versions and saying
// to use a newer kernel; nothing of the run is written, so once the row is
// gone the counter carries on from where it was.
func TestRunRefusesANewerStore(t *testing.T) {
	for name, newURL := range storetest.Drivers() {
		t.Run(name, func(t *testing.T) {
			url := newURL(t)
			cluster := clusterFile(t, "durable-counter.json")
			if r := runCmd(t, "--db", url, cluster, "--call", "increment"); r.code != 0 || r.stdout != "1\n" {
				t.Fatalf("first run: %s", r)
			}
			latest := migrations.Latest(name)
			newer := latest + 3
			schemaSQL(t, name, url, `INSERT INTO ocap_schema_version (version) VALUES (`+strconv.Itoa(newer)+`)`)

			r := runCmd(t, "--db", url, cluster, "--call", "increment")
			if r.code != 1 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 ||
				!strings.Contains(r.stderr, "schema version "+strconv.Itoa(newer)) ||
				!strings.Contains(r.stderr, "version "+strconv.Itoa(latest)) ||
				!strings.Contains(r.stderr, "use a newer ocap kernel") {
				t.Fatalf("run on a store of schema %d (this kernel knows %d): want exit 1 naming both versions; got %s", newer, latest, r)
			}

			schemaSQL(t, name, url, `DELETE FROM ocap_schema_version WHERE version = `+strconv.Itoa(newer))
			if r := runCmd(t, "--db", url, cluster, "--call", "increment"); r.code != 0 || r.stdout != "2\n" {
				t.Fatalf("run once the store is back to version %d: want 2, got %s", latest, r)
			}
		})
	}
}

// schemaSQL runs one statement on a store behind the kernel's back.
func schemaSQL(t *testing.T, driver, url, stmt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testutil.Patience)
	defer cancel()
	switch driver {
	case "sqlite":
		db, err := sql.Open("sqlite", strings.TrimPrefix(url, "sqlite://"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	case "postgres":
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	default:
		t.Fatalf("no way to reach a %s store", driver)
	}
}
