package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/store/storetest"
)

// runInProcess runs the kernel command in-process, as a user would run the
// binary: it returns the exit code, stdout and stderr.
func runInProcess(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("OCAP_WORKER_PATH", testutil.WorkerPath(t))
	// Safe for several goroutines: the platform relays workers' stderr
	// into the log from goroutines of its own while run writes its lines.
	var stdout, stderr testutil.SyncBuffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func clusterPath(name string) string {
	return filepath.Join("..", "..", "testdata", "clusters", name)
}

func TestRunCallTwiceRestores(t *testing.T) {
	for name, newURL := range storetest.Drivers() {
		t.Run(name, func(t *testing.T) {
			db := newURL(t)
			code, out, errOut := runInProcess(t, "run", "--db", db, clusterPath("hello.json"), "--call", "hello", "world")
			if code != 0 || out != "\"hello world, from Bob\"\n" {
				t.Fatalf("first run: exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			code, out, errOut = runInProcess(t, "run", "--db", db, clusterPath("hello.json"), "--call", "counts")
			if code != 0 {
				t.Fatalf("second run: exit %d, stderr %q", code, errOut)
			}
			var counts map[string]float64
			if err := json.Unmarshal([]byte(out), &counts); err != nil {
				t.Fatalf("second run printed %q: %v", out, err)
			}
			if counts["bootstraps"] != 1 || counts["starts"] != 2 {
				t.Fatalf("after two runs: %v, want bootstrap once and buildRootObject twice", counts)
			}
		})
	}
}

func TestRunWithoutCallPrintsLaunchResult(t *testing.T) {
	db := storetest.SQLiteURL(t)
	code, out, errOut := runInProcess(t, "run", "--db", db, clusterPath("hello.json"))
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var got struct {
		SubclusterID    string `json:"subclusterId"`
		RootKref        string `json:"rootKref"`
		BootstrapResult any    `json:"bootstrapResult"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.SubclusterID != "s1" || !strings.HasPrefix(got.RootKref, "ko") || got.BootstrapResult != "alice is ready" {
		t.Fatalf("stdout = %q (%v)", out, err)
	}
	if !strings.HasPrefix(out, `{"subclusterId":`) {
		t.Fatalf("stdout = %q: fields out of the pinned order", out)
	}
}

func TestRunFailures(t *testing.T) {
	db := storetest.SQLiteURL(t)
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"throwing method", []string{"run", "--db", db, clusterPath("pipeline.json"), "--call", "relay", "throwSync"}, 1, "Error: sync boom"},
		{"missing method", []string{"run", "--db", db, clusterPath("pipeline.json"), "--call", "nope"}, 1, `has no method "nope"`},
		{"malformed json", []string{"run", "--db", db, clusterPath("malformed.json")}, 1, "malformed.json:5:3: invalid character"},
		{"bootstrap names a missing vat", []string{"run", "--db", db, clusterPath("missing-vat.json")}, 1, `bootstrap vat "carol" is not in vats`},
		{"missing source file", []string{"run", "--db", db, clusterPath("missing-source.json")}, 1, "does-not-exist.js"},
		{"buildRootObject throws", []string{"run", "--db", db, clusterPath("bad-build.json")}, 1, "buildRootObject refuses to build"},
		{"buildRootObject throws again", []string{"run", "--db", db, clusterPath("bad-build.json")}, 1, "buildRootObject refuses to build"},
		{"bootstrap rejects", []string{"run", "--db", db, clusterPath("bad-bootstrap.json")}, 1, "TypeError: bootstrap rejects"},
		{"bootstrap rejects again", []string{"run", "--db", db, clusterPath("bad-bootstrap.json")}, 1, "TypeError: bootstrap rejects"},
		{"no cluster", []string{"run", "--db", db}, 2, "usage: kernel run"},
		{"unknown flag", []string{"run", "--frobnicate", "x", clusterPath("hello.json")}, 2, "unknown flag --frobnicate"},
		{"call without method", []string{"run", "--db", db, clusterPath("hello.json"), "--call"}, 2, "--call needs a METHOD"},
		{"unknown verb", []string{"frobnicate"}, 2, `unknown verb "frobnicate"`},
		{"bad store url", []string{"run", "--db", "mysql://x", clusterPath("hello.json")}, 1, "mysql://x"},
		{"delivery past --delivery-timeout", []string{"run", "--db", db, "--delivery-timeout", "3s", clusterPath("terminations.json"), "--call", "callVictim", "spin"}, 1,
			"was terminated: the delivery ran past the delivery time limit of 3s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runInProcess(t, c.args...)
			if code != c.code || out != "" || !strings.Contains(errOut, c.stderr) {
				t.Fatalf("exit %d (want %d), stdout %q (want empty), stderr %q (want it to contain %q)", code, c.code, out, errOut, c.stderr)
			}
			if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, ".go:") {
				t.Fatalf("stderr shows a Go stack trace: %q", errOut)
			}
		})
	}
	// After all that, the same store runs a good cluster.
	code, out, errOut := runInProcess(t, "run", "--db", db, clusterPath("hello.json"), "--call", "hello", "again")
	if code != 0 || out != "\"hello again, from Bob\"\n" {
		t.Fatalf("good cluster after failures: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestJSONArgs(t *testing.T) {
	got := parseArgs([]string{"Paris", "3", `{"a":[1,"x"]}`, `{"@kref":"ko12"}`, "not json {"})
	want := []any{"Paris", 3.0, map[string]any{"a": []any{1.0, "x"}}, marshal.Ref{Kref: "ko12"}, "not json {"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parseArgs = %#v, want %#v", got, want)
	}
}

func TestBundleVerbOutputRunsAsBundleSpec(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "bob.bundle.js")
	code, stdout, errOut := runInProcess(t, "bundle", filepath.Join("..", "..", "testdata", "vats", "hello-bob.js"), "-o", out)
	if code != 0 {
		t.Fatalf("bundle: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(stdout, `"hash"`) {
		t.Fatalf("bundle printed %q", stdout)
	}
	alice, err := filepath.Abs(filepath.Join("..", "..", "testdata", "vats", "hello-alice.js"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := `{"bootstrap":"alice","vats":{"alice":{"sourceSpec":"` + alice + `"},"bob":{"bundleSpec":"bob.bundle.js","parameters":{"name":"Bundled Bob"}}}}`
	if err := os.WriteFile(filepath.Join(dir, "c.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, errOut = runInProcess(t, "run", "--db", storetest.SQLiteURL(t), filepath.Join(dir, "c.json"), "--call", "hello", "you")
	if code != 0 || stdout != "\"hello you, from Bundled Bob\"\n" {
		t.Fatalf("run with bundleSpec: exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
}

func TestMigrateVerb(t *testing.T) {
	db := storetest.SQLiteURL(t)
	code, out, errOut := runInProcess(t, "migrate", "--db", db)
	if code != 0 || out != "{\"from\":0,\"to\":1}\n" {
		t.Fatalf("first migrate: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runInProcess(t, "migrate", "--db", db)
	if code != 0 || out != "{\"from\":1,\"to\":1}\n" {
		t.Fatalf("second migrate: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, errOut = runInProcess(t, "migrate", "--db", "nosuch://x"); code != 1 || !strings.Contains(errOut, "nosuch://x") {
		t.Fatalf("migrate of a bad URL: exit %d, stderr %q", code, errOut)
	}
}
