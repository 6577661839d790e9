package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/store/storetest"
)

// docExample is a curl line of docs/control-api.md and the answer printed
// under it.
var docExample = regexp.MustCompile("```sh\n(curl [^\n]+)\n```\n\n```json\n([^\n]+)\n```")

var pidField = regexp.MustCompile(`"pid":[0-9]+`)

// TestControlAPIDocExamples runs every curl example of docs/control-api.md,
// in order, against a daemon started as the document says, and compares
// each answer with the documented one (pids aside).
func TestControlAPIDocExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed; the documented examples use it")
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "control-api.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := docExample.FindAllStringSubmatch(string(doc), -1)
	if len(examples) != 26 {
		t.Fatalf("found %d curl examples in docs/control-api.md, want 26", len(examples))
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(shortDir(t), "k.sock")
	d := startServe(t, storetest.SQLiteURL(t), sock, "--system", "hello="+clusterFile(t, "hello.json"))
	d.waitReady()
	for _, ex := range examples {
		cmd := exec.Command("sh", "-c", ex[1])
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "SOCK="+sock, "PWD="+root)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", ex[1], err)
		}
		got := pidField.ReplaceAllString(strings.TrimSpace(string(out)), `"pid":0`)
		want := pidField.ReplaceAllString(ex[2], `"pid":0`)
		if got != want {
			t.Errorf("%s\n got %s\nwant %s", ex[1], got, want)
		}
	}
	if code := d.wait(testutil.Patience); code != 0 {
		t.Errorf("exit %d after the documented stop", code)
	}
}
