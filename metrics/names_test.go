package metrics

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	dto "github.com/prometheus/client_model/go"

	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/store"
)

// The deployment files and the README name metrics by hand; these tests
// keep them to names the kernel daemon really exports.

// metricName finds metric names in PromQL and prose: the kernel's own, and
// those of the Go runtime and process collectors it serves beside them.
var metricName = regexp.MustCompile(`\b(?:ocap|go|process)_[a-z0-9_]*[a-z0-9]\b`)

// exported returns every series name `kernel serve` exposes (histograms
// with their _bucket, _sum and _count), with every collector exercised so
// that labelled families have a series, and the kernel's own family names.
func exported(t *testing.T) (names map[string]bool, families []string) {
	t.Helper()
	reg, k, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	k.Crank(time.Millisecond, false)
	k.Delivery("message")
	k.Syscall("send")
	k.RunQueue(1)
	k.WorkerRestarted("exited-idle")
	k.Revoked()
	k.ServiceCall("timer", "ok")
	k.FetchSink().Accept("ocap.platform.vat-worker.v1", hclog.Info, FetchLogMessage, "host", "example.com", "status", 200.0)
	db, err := store.Open(context.Background(), "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := k.Store(db).Commit(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	w, err := k.Launcher(&fakeLauncher{}).Launch(context.Background(), platform.WorkerSpec{VatID: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Kill()

	gathered, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names = map[string]bool{}
	for _, f := range gathered {
		if len(f.GetMetric()) == 0 {
			t.Errorf("%s has no series even after exercising every collector", f.GetName())
		}
		name := f.GetName()
		names[name] = true
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM:
			names[name+"_bucket"], names[name+"_sum"], names[name+"_count"] = true, true, true
		case dto.MetricType_SUMMARY:
			names[name+"_sum"], names[name+"_count"] = true, true
		}
		if strings.HasPrefix(name, "ocap_") {
			families = append(families, name)
		}
	}
	return names, families
}

func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// checkNames fails for every metric named in text that is not exported.
func checkNames(t *testing.T, where, text string, names map[string]bool) []string {
	t.Helper()
	found := metricName.FindAllString(text, -1)
	for _, n := range found {
		if !names[n] {
			t.Errorf("%s names %s, which the kernel does not export", where, n)
		}
	}
	return found
}

func TestPrometheusConfigNamesExportedMetrics(t *testing.T) {
	names, _ := exported(t)
	files, err := filepath.Glob(filepath.Join("..", "deploy", "prometheus", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Prometheus configuration in deploy/prometheus: %v", err)
	}
	total := 0
	for _, f := range files {
		rel, _ := filepath.Rel("..", f)
		total += len(checkNames(t, rel, readRepoFile(t, filepath.ToSlash(rel)), names))
	}
	if total == 0 {
		t.Error("deploy/prometheus names no kernel metric at all")
	}
}

func TestDashboardNamesExportedMetrics(t *testing.T) {
	names, families := exported(t)
	var dash struct {
		Title  string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	const path = "deploy/grafana/dashboards/ocap.json"
	if err := json.Unmarshal([]byte(readRepoFile(t, path)), &dash); err != nil {
		t.Fatalf("%s is not valid JSON: %v", path, err)
	}
	shown := map[string]bool{}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("%s: panel %q has no query", path, p.Title)
		}
		for _, target := range p.Targets {
			for _, n := range checkNames(t, path+": panel "+p.Title, target.Expr, names) {
				shown[strings.TrimSuffix(n, "_bucket")] = true
			}
		}
	}
	// The dashboard covers the kernel's metrics: all of them.
	for _, f := range families {
		if !shown[f] {
			t.Errorf("%s shows nothing of %s", path, f)
		}
	}
}

// tableRow is a row of the README's metric table: | `name` | type | ...
var tableRow = regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\|")

func TestREADMEMetricTable(t *testing.T) {
	names, families := exported(t)
	readme := readRepoFile(t, "README.md")
	start := strings.Index(readme, "\n## Metrics\n")
	if start < 0 {
		t.Fatal(`README.md has no "## Metrics" section`)
	}
	section := readme[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	listed := map[string]bool{}
	for _, m := range tableRow.FindAllStringSubmatch(section, -1) {
		listed[m[1]] = true
		if !names[m[1]] {
			t.Errorf("README's metric table lists %s, which the kernel does not export", m[1])
		}
	}
	checkNames(t, "README's Metrics section", section, names)
	var missing []string
	for _, f := range families {
		if !listed[f] {
			missing = append(missing, f)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("README's metric table leaves out %s", strings.Join(missing, ", "))
	}
}
