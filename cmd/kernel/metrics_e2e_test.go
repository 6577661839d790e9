package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/store/storetest"
)

// freeAddr returns a local TCP address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// scraped is one scrape of /metrics.
type scraped struct {
	families map[string]*dto.MetricFamily
}

// scrape GETs /metrics from addr and parses the text format.
func scrape(t *testing.T, addr string) scraped {
	t.Helper()
	client := http.Client{Timeout: testutil.Patience}
	resp, err := client.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scraping %s: %v", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scraping %s: %s", addr, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the scrape of %s: %v", addr, err)
	}
	return scraped{families: families}
}

// value sums the series of name whose labels include every "k=v" pair
// given: a counter's or gauge's value, a histogram's sample count. A
// family that is not there fails the test.
func (s scraped) value(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	f, ok := s.families[name]
	if !ok {
		t.Fatalf("the scrape has no %s", name)
	}
	var sum float64
series:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for _, pair := range labels {
			k, v, _ := strings.Cut(pair, "=")
			if have[k] != v {
				continue series
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

// scrapeUntil scrapes until cond holds.
func scrapeUntil(t *testing.T, addr, what string, cond func(scraped) bool) scraped {
	t.Helper()
	var s scraped
	testutil.WaitFor(t, testutil.Patience, what, func() bool {
		s = scrape(t, addr)
		return cond(s)
	})
	return s
}

// TestMetricsEndToEnd runs `kernel serve --metrics-addr`, launches a 2-vat
// subcluster, makes ten round trips between its vats, and checks what the
// scrapes say about it, on both stores.
func TestMetricsEndToEnd(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		driver := "sqlite"
		if strings.HasPrefix(url, "postgres") {
			driver = "postgres"
		}
		sock := filepath.Join(shortDir(t), "k.sock")
		addr := freeAddr(t)
		d := startServe(t, url, sock, "--metrics-addr", addr)
		d.waitReady()

		s := scrape(t, addr)
		if v := s.value(t, "ocap_vats"); v != 0 {
			t.Fatalf("ocap_vats before any launch = %v", v)
		}
		for _, family := range []string{"go_goroutines", "process_resident_memory_bytes"} {
			if _, ok := s.families[family]; !ok {
				t.Errorf("the scrape has no %s: the Go runtime and process collectors are missing", family)
			}
		}

		var launched struct {
			SubclusterID string `json:"subclusterId"`
			RootKref     string `json:"rootKref"`
		}
		ok(t, sock, &launched, "launch", clusterFile(t, "ping.json"))
		before := scrape(t, addr)
		for name, want := range map[string]float64{"ocap_vats": 2, "ocap_subclusters": 1} {
			if v := before.value(t, name); v != want {
				t.Errorf("%s after launching 2 vats = %v, want %v", name, v, want)
			}
		}
		if v := before.value(t, "ocap_worker_starts_total", "outcome=ok"); v != 2 {
			t.Errorf("worker starts = %v, want 2", v)
		}
		if v := before.value(t, "ocap_worker_resident_memory_bytes"); v <= 0 {
			t.Errorf("worker resident memory = %v with two live workers", v)
		}

		const n = 10
		var last int
		ok(t, sock, &last, "send", launched.RootKref, "pingPong", "10")
		if last != n {
			t.Fatalf("pingPong(10) returned %d", last)
		}
		// One crank delivers pingPong to alice; each round trip is then two
		// cranks: ping delivered to bob, its result notified to alice.
		const cranks = 1 + 2*n
		// The host has its answer once the last crank has committed, a
		// moment before the loop reports that crank: wait for the count.
		after := scrapeUntil(t, addr, "the round trips' cranks", func(s scraped) bool {
			return s.value(t, "ocap_cranks_total")-before.value(t, "ocap_cranks_total") >= cranks
		})
		for _, c := range []struct {
			name   string
			labels []string
			want   float64
		}{
			{"ocap_cranks_total", nil, cranks},
			{"ocap_crank_failures_total", nil, 0},
			{"ocap_crank_duration_seconds", nil, cranks},
			{"ocap_deliveries_total", []string{"kind=message"}, 1 + n},
			{"ocap_deliveries_total", []string{"kind=notify"}, n},
			{"ocap_syscalls_total", []string{"kind=send"}, n},
			{"ocap_store_commit_errors_total", []string{"driver=" + driver}, 0},
		} {
			got := after.value(t, c.name, c.labels...) - before.value(t, c.name, c.labels...)
			if got != c.want {
				t.Errorf("%s{%s} moved by %v, want %v", c.name, strings.Join(c.labels, ","), got, c.want)
			}
		}
		// Cranks commit in batches while the next crank runs: at most one
		// commit per crank plus the host's send, at least one in all.
		commits := after.value(t, "ocap_store_commit_duration_seconds", "driver="+driver) - before.value(t, "ocap_store_commit_duration_seconds", "driver="+driver)
		if commits < 1 || commits > cranks+1 {
			t.Errorf("store commits moved by %v, want between 1 and %v", commits, cranks+1)
		}
		if v := after.value(t, "ocap_run_queue_length"); v != 0 {
			t.Errorf("run queue after the round trips = %v, want 0", v)
		}

		ok(t, sock, nil, "terminate", launched.SubclusterID)
		gone := scrapeUntil(t, addr, "both workers' exits", func(s scraped) bool {
			return s.value(t, "ocap_worker_exits_total", "reason=killed") == 2
		})
		for _, name := range []string{"ocap_vats", "ocap_subclusters", "ocap_worker_resident_memory_bytes"} {
			if v := gone.value(t, name); v != 0 {
				t.Errorf("%s after terminate = %v, want 0", name, v)
			}
		}
		if v := gone.value(t, "ocap_worker_exits_total", "reason=crashed"); v != 0 {
			t.Errorf("%v workers counted as crashed after a terminate", v)
		}
	})
}

// TestMetricsScrapeUnderLoad scrapes while the crank loop runs flat out,
// then while one crank never ends: scrapes answer all the same, since none
// of it goes through the crank loop.
func TestMetricsScrapeUnderLoad(t *testing.T) {
	sock := filepath.Join(shortDir(t), "k.sock")
	addr := freeAddr(t)
	// A delivery limit no test outlives: the spinning delivery below holds
	// the loop for good.
	d := startServe(t, storetest.SQLiteURL(t), sock, "--metrics-addr", addr, "--delivery-timeout", "1h")
	d.waitReady()
	var ping, pipeline struct {
		RootKref string `json:"rootKref"`
	}
	ok(t, sock, &ping, "launch", clusterFile(t, "ping.json"))
	ok(t, sock, &pipeline, "launch", clusterFile(t, "pipeline.json"))

	background := func(args ...string) {
		t.Helper()
		cmd := exec.Command(kernelPath(t), append(args[:1:1], append([]string{"--socket", sock}, args[1:]...)...)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	}

	// Flat out: round trips one after another.
	background("send", ping.RootKref, "pingPong", "1000000")
	first := scrapeUntil(t, addr, "the round trips to start", func(s scraped) bool {
		return s.value(t, "ocap_deliveries_total", "kind=notify") > 0
	})
	scrapeUntil(t, addr, "cranks to run between scrapes", func(s scraped) bool {
		return s.value(t, "ocap_cranks_total") > first.value(t, "ocap_cranks_total")
	})

	// One crank that does not end: bob spins in a delivery, saying so
	// first. A scrape that waited for the loop would never come back.
	background("send", pipeline.RootKref, "relay", "announceSpin")
	testutil.WaitFor(t, testutil.Patience, "bob to spin", func() bool {
		return strings.Contains(d.stderr.String(), "bob is spinning")
	})
	held := scrape(t, addr)
	for range 5 {
		s := scrape(t, addr)
		if s.value(t, "ocap_cranks_total") != held.value(t, "ocap_cranks_total") {
			t.Fatal("cranks ran while the loop should be held by the spinning vat")
		}
		if v := s.value(t, "ocap_vats"); v != 4 {
			t.Errorf("ocap_vats while a crank is held = %v, want 4", v)
		}
	}
}

// TestServeMetricsAddrUnusable: an address that cannot be bound stops the
// daemon with a clear error and exit 1, before it opens its store or
// starts anything.
func TestServeMetricsAddrUnusable(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for addr, says := range map[string]string{
		taken.Addr().String(): "address already in use",
		"no-port":             "missing port in address",
	} {
		dir := shortDir(t)
		sock := filepath.Join(dir, "k.sock")
		dbFile := filepath.Join(dir, "kernel.db")
		r := runKernel(t, []string{"OCAP_WORKER_PATH=" + testutil.WorkerPath(t)}, nil,
			"serve", "--db", "sqlite://"+dbFile, "--socket", sock, "--metrics-addr", addr,
			"--system", "hello="+clusterFile(t, "hello.json"))
		if r.code != 1 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 ||
			!strings.HasPrefix(r.stderr, "kernel serve: --metrics-addr "+addr+": ") || !strings.Contains(r.stderr, says) {
			t.Errorf("--metrics-addr %s: want exit 1 and one line saying %q, got %s", addr, says, r)
		}
		for _, p := range []string{dbFile, sock, sock + ".lock"} {
			if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("--metrics-addr %s: %s exists (%v): the daemon started something", addr, p, err)
			}
		}
	}
}

func TestUnknownLogFormat(t *testing.T) {
	dir := shortDir(t)
	for _, args := range [][]string{
		{"serve", "--db", "sqlite://" + filepath.Join(dir, "k.db"), "--socket", filepath.Join(dir, "k.sock"), "--log-format", "xml"},
		{"run", "--db", "sqlite://" + filepath.Join(dir, "k.db"), "--log-format", "xml", clusterFile(t, "hello.json")},
	} {
		r := kernelCmd(t, args...)
		if r.code != 2 || !strings.Contains(r.stderr, `unknown --log-format "xml" (text, json)`) {
			t.Errorf("kernel %s: want exit 2 naming the formats, got %s", strings.Join(args, " "), r)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "k.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a usage error opened the store: %v", err)
	}
}

// TestServeJSONLogs: with --log-format json every line on stderr is a JSON
// object, and a vat's console output is tagged with its vat id, name and
// subcluster.
func TestServeJSONLogs(t *testing.T) {
	dir := t.TempDir()
	vat := `import { makeDefaultExo } from '@metamask/kernel-utils/exo';
export function buildRootObject() {
  console.log('hello from the talker', 42);
  return makeDefaultExo('root', { bootstrap() { return 'ready'; } });
}
`
	cluster := `{"bootstrap": "talker", "vats": {"talker": {"sourceSpec": "talker.js"}}}`
	if err := os.WriteFile(filepath.Join(dir, "talker.js"), []byte(vat), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "talker.json"), []byte(cluster), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(shortDir(t), "k.sock")
	d := startServe(t, storetest.SQLiteURL(t), sock, "--log-format", "json")
	d.waitReady()
	var launched struct {
		SubclusterID string `json:"subclusterId"`
	}
	ok(t, sock, &launched, "launch", filepath.Join(dir, "talker.json"))
	ok(t, sock, nil, "stop")
	if code := d.wait(testutil.Patience); code != 0 {
		t.Fatalf("exit %d after stop", code)
	}

	found := false
	sc := bufio.NewScanner(strings.NewReader(d.stderr.String()))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Errorf("a log line is not JSON: %q", sc.Text())
			continue
		}
		if line["@message"] != "hello from the talker 42" {
			continue
		}
		found = true
		if line["vat"] != "v1" || line["name"] != "talker" || line["subcluster"] != launched.SubclusterID {
			t.Errorf("the vat's console line is not tagged with vat, name and subcluster: %v", line)
		}
	}
	if !found {
		t.Errorf("the vat's console line is not in the log:\n%s", d.stderr.String())
	}
}

// TestMetricsCountFetches: a vat's fetch requests are counted by host and
// status, from the lines the vat's fetch logs.
func TestMetricsCountFetches(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("hello"))
	}))
	defer web.Close()
	host := strings.TrimPrefix(web.URL, "http://")

	dir := t.TempDir()
	vat := `import { makeDefaultExo } from '@metamask/kernel-utils/exo';
export function buildRootObject() {
  return makeDefaultExo('root', {
    bootstrap() { return 'ready'; },
    async get(url) {
      const r = await fetch(url);
      await r.text();
      return r.status;
    },
  });
}
`
	cluster := `{"bootstrap": "fetcher", "vats": {"fetcher": {"sourceSpec": "fetcher.js", "globals": ["fetch"],
  "platformConfig": {"fetch": {"allowedHosts": ["127.0.0.1"]}}}}}`
	if err := os.WriteFile(filepath.Join(dir, "fetcher.js"), []byte(vat), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fetcher.json"), []byte(cluster), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(shortDir(t), "k.sock")
	addr := freeAddr(t)
	d := startServe(t, storetest.SQLiteURL(t), sock, "--metrics-addr", addr)
	d.waitReady()
	r := kernelCmd(t, "launch", "--socket", sock, filepath.Join(dir, "fetcher.json"))
	if r.code != 0 && strings.Contains(r.stderr, `requested unknown global "fetch"`) {
		t.Skip("this vat-worker has no fetch yet")
	}
	var launched struct {
		RootKref string `json:"rootKref"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &launched) != nil {
		t.Fatalf("launching the fetcher: %s", r)
	}
	var status int
	ok(t, sock, &status, "send", launched.RootKref, "get", web.URL+"/")
	ok(t, sock, &status, "send", launched.RootKref, "get", web.URL+"/missing")
	if status != http.StatusNotFound {
		t.Fatalf("fetching /missing gave %d", status)
	}
	// The lines reach the kernel through the worker's stderr: wait for them.
	s := scrapeUntil(t, addr, "both fetches to be counted", func(s scraped) bool {
		return s.value(t, "ocap_fetch_requests_total", "host="+host) >= 2
	})
	for code, want := range map[string]float64{"200": 1, "404": 1} {
		if got := s.value(t, "ocap_fetch_requests_total", "host="+host, "status="+code); got != want {
			t.Errorf("fetches{host=%s,status=%s} = %v, want %v", host, code, got, want)
		}
	}
}
