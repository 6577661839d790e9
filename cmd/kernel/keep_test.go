package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/store/storetest"
)

// Nothing is deleted implicitly: a cluster the next start does not mention
// keeps its state, and a config edited since launch is reported, not
// silently ignored.

// helloCopy writes a copy of the hello cluster, vats included, into dir as
// NAME.json, with bob's name parameter set to bobName.
func helloCopy(t *testing.T, dir, name, bobName string) string {
	t.Helper()
	for _, v := range []string{"hello-alice.js", "hello-bob.js"} {
		src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "vats", v))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, v), src, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := `{"bootstrap":"alice","vats":{"alice":{"sourceSpec":"hello-alice.js"},` +
		`"bob":{"sourceSpec":"hello-bob.js","parameters":{"name":` + jsonString(bobName) + `}}}}`
	p := filepath.Join(dir, name+".json")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// counts runs `kernel run ARGS... --call counts` and decodes the counts.
func counts(t *testing.T, args ...string) (starts, bootstraps float64, stderr string) {
	t.Helper()
	code, out, errOut := runInProcess(t, append(append([]string{"run"}, args...), "--call", "counts")...)
	if code != 0 {
		t.Fatalf("kernel run %s --call counts: exit %d, stderr %s", strings.Join(args, " "), code, errOut)
	}
	var c map[string]float64
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("counts printed %q: %v", out, err)
	}
	return c["starts"], c["bootstraps"], errOut
}

// On the default store, 'kernel run b.json' neither restores nor removes
// the cluster an earlier 'kernel run a.json' left: each has a store of
// its own under $XDG_STATE_HOME/ocap/run.
func TestRunDefaultStoreKeepsOtherClusters(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("OCAP_DB", "")
	dir := t.TempDir()
	a, b := helloCopy(t, dir, "a", "Bob"), helloCopy(t, dir, "b", "Bob")
	counts(t, a)
	_, _, errOut := counts(t, b)
	if strings.Contains(errOut, `"a"`) {
		t.Fatalf("running b mentioned a: %s", errOut)
	}
	if starts, boots, _ := counts(t, a); starts != 2 || boots != 1 {
		t.Fatalf("a after b ran: starts %v, bootstraps %v; want its state kept (2, 1)", starts, boots)
	}
	for _, n := range []string{"a", "b"} {
		if _, err := os.Stat(filepath.Join(state, "ocap", "run", n+".db")); err != nil {
			t.Errorf("no store of its own for %s: %v", n, err)
		}
	}
}

// On a store given explicitly and shared, the other cluster is kept and a
// warning says how to remove it.
func TestRunSharedStoreKeepsOtherClusters(t *testing.T) {
	db := storetest.SQLiteURL(t)
	dir := t.TempDir()
	a, b := helloCopy(t, dir, "a", "Bob"), helloCopy(t, dir, "b", "Bob")
	counts(t, "--db", db, a)
	_, _, errOut := counts(t, "--db", db, b)
	if !strings.Contains(errOut, `system subcluster "a" (s1) is in the store but not in this start's list: kept`) ||
		!strings.Contains(errOut, "kernel terminate s1") || !strings.Contains(errOut, "--prune-system") {
		t.Fatalf("running b on a's store: no warning that a is kept and how to remove it:\n%s", errOut)
	}
	if _, boots, _ := counts(t, "--db", db, a); boots != 1 {
		t.Fatalf("a after b ran on its store: bootstraps %v, want 1 (not relaunched)", boots)
	}
}

// A restore runs the stored code and parameters; a warning names what the
// config changed, vat by vat, and says how to take the new ones.
func TestRunWarnsOfDrift(t *testing.T) {
	db := storetest.SQLiteURL(t)
	dir := t.TempDir()
	p := helloCopy(t, dir, "hello", "Bob")
	if _, _, errOut := counts(t, "--db", db, p); strings.Contains(errOut, "not its config's") {
		t.Fatalf("first run warned of drift: %s", errOut)
	}
	if _, _, errOut := counts(t, "--db", db, p); strings.Contains(errOut, "not its config's") {
		t.Fatalf("an unchanged config warned of drift: %s", errOut)
	}
	helloCopy(t, dir, "hello", "Carol")
	src := filepath.Join(dir, "hello-alice.js")
	code, _ := os.ReadFile(src)
	if err := os.WriteFile(src, append(code, []byte("\nexport const edited = 1;\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	code2, out, errOut := runInProcess(t, "run", "--db", db, p, "--call", "hello", "you")
	if code2 != 0 || out != "\"hello you, from Bob\"\n" {
		t.Fatalf("restore after edits: exit %d, stdout %q, stderr %s", code2, out, errOut)
	}
	for _, want := range []string{
		`system subcluster "hello" (s1) runs the code and parameters it was launched with, not its config's`,
		`vat "alice" (v1): source (stored bundle `,
		`vat "bob" (v2): parameters`,
		`"forceReset": true`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("drift warning lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, `vat "bob" (v2): source`) {
		t.Errorf("bob's source did not change:\n%s", errOut)
	}
}

// A daemon restarted without its --system flag keeps that system
// subcluster, running, with its state, and says how to remove it.
func TestServeKeepsUnlistedSystemSubcluster(t *testing.T) {
	url := storetest.SQLiteURL(t)
	sock := filepath.Join(shortDir(t), "k.sock")
	d := startServe(t, url, sock, "--system", "hello="+clusterFile(t, "hello.json"))
	d.waitReady()
	var root string
	ok(t, sock, &root, "system-root", "hello")
	ok(t, sock, nil, "stop")

	d2 := startServe(t, url, sock)
	d2.waitReady()
	var st statusJSON
	ok(t, sock, &st, "status")
	if len(st.Subclusters) != 1 || st.Subclusters[0].Name != "hello" || st.Subclusters[0].RootKref != root || len(st.Vats) != 2 {
		t.Fatalf("status after a restart without --system: %+v", st)
	}
	if out := ok(t, sock, nil, "send", root, "counts"); out != `{"bootstraps":1,"starts":2}` {
		t.Fatalf("counts after a restart without --system: %s", out)
	}
	if msg := d2.stderr.String(); !strings.Contains(msg, `system subcluster "hello" (s1) is in the store but not in this start's list: kept`) {
		t.Fatalf("no warning that hello was kept:\n%s", msg)
	}
	// reset without --yes wipes nothing.
	if r := kernelCmd(t, "reset", "--socket", sock); r.code != 2 || !strings.Contains(r.stderr, "pass --yes") {
		t.Fatalf("reset without --yes: %s", r)
	}
	ok(t, sock, &st, "status")
	if len(st.Subclusters) != 1 {
		t.Fatalf("status after a reset without --yes: %+v", st)
	}
	ok(t, sock, nil, "stop")

	// Pruned on purpose, it goes.
	d3 := startServe(t, url, sock, "--prune-system")
	d3.waitReady()
	ok(t, sock, &st, "status")
	if len(st.Subclusters) != 0 || len(st.Vats) != 0 {
		t.Fatalf("status after --prune-system: %+v", st)
	}
	ok(t, sock, nil, "stop")
}
