package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
)

func TestWeatherReportSurvivesRestart(t *testing.T) {
	t.Setenv("OCAP_WORKER_PATH", testutil.WorkerPath(t))
	var out bytes.Buffer
	db := "sqlite://" + filepath.Join(t.TempDir(), "weather.db")
	if err := run(&out, db, "Paris"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("output:\n%s\nwant two reports", out.String())
	}
	want := "Paris: 16C. Next 3 days: sunny, cloudy, rain"
	if lines[0] != "first kernel: "+want || lines[1] != "after restart: "+want {
		t.Fatalf("output:\n%s\nwant the report %q before and after the restart", out.String(), want)
	}
	// A second run over the same store restores rather than relaunches.
	out.Reset()
	if err := run(&out, db, "Oslo"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "after restart: Oslo: ") {
		t.Fatalf("second run:\n%s", out.String())
	}
}
