package ocap_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/endowments"
	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/store/storetest"
)

// endowServer is a local HTTP server on 127.0.0.1 for the fetch tests. It
// records every request and notices when a client goes away mid-exchange.
type endowServer struct {
	*httptest.Server
	hits   atomic.Int32
	ticks  atomic.Int32
	mu     sync.Mutex
	seen   []*http.Request
	bodies []string
	began  map[string]chan struct{} // closed when a /hang or /drip request arrived
	gone   map[string]chan struct{} // closed when its client dropped it
	conns  atomic.Int32             // connections open now
}

func newEndowServer(t *testing.T) *endowServer {
	s := &endowServer{began: map[string]chan struct{}{}, gone: map[string]chan struct{}{}}
	for _, p := range []string{"/hang", "/drip", "/hang2"} {
		s.began[p], s.gone[p] = make(chan struct{}), make(chan struct{})
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		switch state {
		case http.StateNew:
			s.conns.Add(1)
		case http.StateClosed, http.StateHijacked:
			s.conns.Add(-1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *endowServer) hostPort() string { return strings.TrimPrefix(s.URL, "http://") }

func (s *endowServer) serve(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.seen = append(s.seen, r)
	s.bodies = append(s.bodies, string(body))
	s.mu.Unlock()
	switch r.URL.Path {
	case "/echo":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "custom": r.Header.Get("X-Custom"), "other": r.Header.Get("X-Other"),
			"type": r.Header.Get("Content-Type"), "body": string(body),
		})
	case "/text":
		_, _ = w.Write([]byte("plain text"))
	case "/big":
		_, _ = w.Write([]byte(strings.Repeat("x", 4096)))
	case "/chunks":
		for i := 0; i < 4; i++ {
			_, _ = w.Write([]byte(strings.Repeat("y", 300)))
			w.(http.Flusher).Flush()
		}
	case "/redirect":
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	case "/tick":
		s.ticks.Add(1)
	case "/hang", "/hang2", "/drip":
		close(s.began[r.URL.Path])
		if r.URL.Path == "/drip" {
			_, _ = w.Write([]byte("first chunk"))
			w.(http.Flusher).Flush()
		}
		// Longer than any test waits for the client to drop it.
		select {
		case <-r.Context().Done():
			close(s.gone[r.URL.Path])
		case <-time.After(2 * patience):
		}
	default:
		http.NotFound(w, r)
	}
}

func closedWithin(ch chan struct{}, limit time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(limit):
		return false
	}
}

// loadCluster reads testdata/clusters/name.
func loadCluster(t *testing.T, name string) *ocap.ClusterConfig {
	t.Helper()
	cfg, err := ocap.LoadClusterConfig(filepath.Join("testdata", "clusters", name))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// launchConfig launches a config built or changed in Go.
func (e *kernelEnv) launchConfig(cfg *ocap.ClusterConfig) *ocap.SubclusterLaunchResult {
	e.t.Helper()
	res, err := e.k.LaunchSubcluster(context.Background(), cfg)
	if err != nil {
		e.t.Fatalf("launching: %v\nlogs:\n%s", err, e.logs.String())
	}
	return res
}

// setPlatformConfig replaces one vat's platformConfig.
func setPlatformConfig(t *testing.T, cfg *ocap.ClusterConfig, vat string, pc map[string]any) {
	t.Helper()
	raw, err := json.Marshal(pc)
	if err != nil {
		t.Fatal(err)
	}
	vc := cfg.Vats[vat]
	vc.PlatformConfig = raw
	cfg.Vats[vat] = vc
}

func (e *kernelEnv) terminate(id string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	if err := e.k.TerminateSubcluster(ctx, id); err != nil {
		e.t.Fatalf("terminating %s: %v", id, err)
	}
}

func TestEndowNamesMatchTheKernel(t *testing.T) {
	if !reflect.DeepEqual(ocap.DefaultGlobalNames, endowments.Names) {
		t.Fatalf("ocap.DefaultGlobalNames %v\nendowments.Names %v", ocap.DefaultGlobalNames, endowments.Names)
	}
}

// One case per endowment name, each through a real worker.
func TestEndowEachName(t *testing.T) {
	srv := newEndowServer(t)
	e := startKernel(t, storetest.SQLiteURL(t), ocap.Options{})
	cfg := loadCluster(t, "endow-all.json")
	setPlatformConfig(t, cfg, "all", map[string]any{"fetch": map[string]any{"allowedHosts": []string{srv.hostPort()}}})
	root := e.launchConfig(cfg).RootKref

	vectors := map[string]any{
		"gcm": map[string]any{ // the GCM specification's test case 3
			"key":   "feffe9928665731c6d6a8f9467308308",
			"iv":    "cafebabefacedbaddecaf888",
			"plain": "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
		},
		"ed25519": map[string]any{ // RFC 8032, test 1
			"seed": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
			"pub":  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
		},
	}
	var called time.Time // when the current check began

	cases := map[string]struct {
		arg   any
		want  any
		check func(t *testing.T, got any)
	}{
		"setTimeout":    {want: "args!, peer ticked 1"},
		"clearTimeout":  {want: "fired false"},
		"setInterval":   {want: "ticked 3"},
		"clearInterval": {want: "stopped true"},
		"Date": {check: func(t *testing.T, got any) {
			list, ok := got.([]any)
			if !ok || len(list) != 4 {
				t.Fatalf("got %#v", got)
			}
			// The vat read its clock during the call (which adds up to 1ms
			// of jitter).
			now, _ := list[0].(float64)
			if after := float64(time.Now().UnixMilli() + 1); now < float64(called.UnixMilli()) || now > after {
				t.Errorf("Date.now() = %v, outside the call's span on the host clock, %v to %v", now, called.UnixMilli(), after)
			}
			if list[1] != true || list[2] != 0.0 || list[3] != "1970-01-01T00:00:00.000Z" {
				t.Errorf("got %v", list)
			}
		}},
		"Math": {want: "100 distinct, max 5"},
		"crypto": {arg: vectors, want: map[string]any{
			"sha256":        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
			"hmac":          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
			"hmacVerify":    true,
			"gcm":           "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985" + "4d5c2af327cd64a62cf35abd2ba6fab4",
			"gcmOpen":       true,
			"ed25519":       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
			"ed25519Verify": true,
			"ecdsa":         true,
			"jwk":           "P-256",
			"uuid":          true,
			"random":        16.0,
		}},
		"SubtleCrypto":    {want: "true function TypeError"},
		"TextEncoder":     {want: "195,169,226,130,172"},
		"TextDecoder":     {want: "€uro %uFFFD TypeError"},
		"URL":             {want: "http://User@example.com/c?x=1#f http://example.com 127.0.0.1 xn--bcher-kva.example TypeError"},
		"URLSearchParams": {want: "a=1&b=2&c=x+y http://h/?q=2"},
		"atob":            {want: "hello InvalidCharacterError"},
		"btoa":            {want: "aGVsbG8= InvalidCharacterError"},
		"AbortController": {want: "true why listener why"},
		"AbortSignal":     {want: "TimeoutError AbortError"},
		"fetch":           {arg: srv.URL, want: "200 POST e2e ping"},
		"Request":         {want: "PUT https://example.com/x 1 b"},
		"Headers":         {want: "1, 2 true TypeError"},
		"Response":        {want: "x application/json 204"},
	}
	for _, name := range endowments.Names {
		t.Run(name, func(t *testing.T) {
			c, ok := cases[name]
			if !ok {
				t.Fatalf("no case for %s", name)
			}
			called = time.Now()
			got, err := e.call(root, "check", name, c.arg)
			if err != nil {
				t.Fatalf("check(%s): %v\nlogs:\n%s", name, err, e.logs.String())
			}
			if c.check != nil {
				c.check(t, got)
			} else if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("check(%s)\n got  %#v\n want %#v", name, got, c.want)
			}
		})
	}
	// The peer saw the timer callback's send.
	if got := e.mustCall(root, "check", "setTimeout", nil); got != "args!, peer ticked 2" {
		t.Errorf("second timer: %v", got)
	}
}

func TestEndowFetchAgainstALocalServer(t *testing.T) {
	srv := newEndowServer(t)
	other := newEndowServer(t) // never allowed
	e := startKernel(t, storetest.SQLiteURL(t), ocap.Options{})
	cfg := loadCluster(t, "endow-fetch.json")
	setPlatformConfig(t, cfg, "fetcher", map[string]any{"fetch": map[string]any{
		"allowedHosts": []string{srv.hostPort()}, "maxResponseBytes": 2048,
	}})
	root := e.launchConfig(cfg).RootKref

	// Custom headers and a body reach the server, which echoes them.
	got := e.mustCall(root, "echo", srv.URL+"/echo")
	want := map[string]any{"status": 200.0, "type": "application/json", "body": map[string]any{
		"method": "PUT", "custom": "first", "other": "yes", "type": "text/plain;charset=UTF-8", "body": `{"hello":"server"}`,
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("echo\n got  %#v\n want %#v", got, want)
	}
	if got := e.mustCall(root, "get", srv.URL+"/text"); got != "200 plain text" {
		t.Errorf("get: %v", got)
	}
	if got := e.mustCall(root, "stream", srv.URL+"/chunks"); !reflect.DeepEqual(got, map[string]any{"bytes": 1200.0, "chunks": true}) {
		t.Errorf("stream: %v", got)
	}

	// A host outside the list, directly or by a redirect, is refused with
	// its name, and never reached.
	refused := fmt.Sprintf(`host %q is not in this vat's allowed hosts`, other.hostPort())
	if got := e.mustCall(root, "get", other.URL+"/text"); got != "TypeError: fetch refused: "+refused {
		t.Errorf("disallowed host: %v", got)
	}
	redirect := srv.URL + "/redirect?to=" + url.QueryEscape(other.URL+"/text")
	if got := e.mustCall(root, "get", redirect); got != fmt.Sprintf("TypeError: fetch GET %s failed: redirect refused: %s", srv.hostPort(), refused) {
		t.Errorf("redirect: %v", got)
	}
	if n := other.hits.Load(); n != 0 {
		t.Fatalf("the disallowed server was reached %d times", n)
	}

	// A body over the vat's limit fails the read, not the vat.
	if got := e.mustCall(root, "get", srv.URL+"/big"); got != fmt.Sprintf("TypeError: fetch GET %s: reading the body failed: the response body is larger than the limit of 2048 bytes", srv.hostPort()) {
		t.Errorf("big: %v", got)
	}

	// Bad input: clear errors.
	bad, _ := e.mustCall(root, "bad", srv.URL+"/text").(map[string]any)
	for key, want := range map[string]string{
		"url":      `TypeError: Request: invalid URL "http://exa mple.com/" (vats have no base URL: use an absolute one)`,
		"relative": `TypeError: Request: invalid URL "/relative" (vats have no base URL: use an absolute one)`,
		"header":   `TypeError: Headers: "bad name" is an invalid header name.`,
		"scheme":   `TypeError: fetch: only http: and https: URLs are fetched, not file:`,
		"method":   `TypeError: Request: the method CONNECT is forbidden`,
	} {
		if bad[key] != want {
			t.Errorf("bad %s: %v, want %v", key, bad[key], want)
		}
	}

	// Aborting a request in flight rejects it and closes its connection.
	e.mustCall(root, "startAbortable", srv.URL+"/hang")
	if !closedWithin(srv.began["/hang"], patience) {
		t.Fatal("the abortable request did not reach the server")
	}
	if got := e.mustCall(root, "abort"); got != "AbortError" {
		t.Errorf("abort: %v", got)
	}
	if !closedWithin(srv.gone["/hang"], patience) {
		t.Error("the server did not see the aborted request's connection close")
	}

	// Every request is reported in the kernel log.
	waitFor(t, patience, "the fetch log lines", func() bool {
		logs := e.logs.String()
		return strings.Contains(logs, `"method":"PUT"`) && strings.Contains(logs, `"status":200`) &&
			strings.Contains(logs, `"bytes":`) && strings.Contains(logs, `"duration":`) &&
			strings.Contains(logs, `"host":"`+srv.hostPort()+`"`) && strings.Contains(logs, "fetch refused")
	})
}

// Terminating a vat mid-request and mid-body closes both connections: the
// server sees them go.
func TestEndowTerminateClosesConnections(t *testing.T) {
	srv := newEndowServer(t)
	e := startKernel(t, storetest.SQLiteURL(t), ocap.Options{})
	cfg := loadCluster(t, "endow-fetch.json")
	// The JavaScript kernel's spelling of the allowlist, "host" for any port.
	vc := cfg.Vats["fetcher"]
	vc.PlatformConfig = nil
	vc.Network = &ocap.VatNetworkConfig{AllowedHosts: []string{"127.0.0.1"}}
	cfg.Vats["fetcher"] = vc
	res := e.launchConfig(cfg)

	e.mustCall(res.RootKref, "startHang", srv.URL+"/hang")
	if got := e.mustCall(res.RootKref, "startDrip", srv.URL+"/drip"); got != "first chunk" {
		t.Fatalf("startDrip: %v", got)
	}
	if !closedWithin(srv.began["/hang"], patience) {
		t.Fatal("the hanging request did not reach the server")
	}
	e.terminate(res.SubclusterID)
	for _, path := range []string{"/hang", "/drip"} {
		if !closedWithin(srv.gone[path], patience) {
			t.Errorf("the server did not see %s close after the termination", path)
		}
	}
}

// A setInterval stops firing when its vat is terminated; while it ran, its
// callbacks' sends reached a vat of another subcluster.
func TestEndowIntervalStopsAtTermination(t *testing.T) {
	srv := newEndowServer(t)
	e := startKernel(t, storetest.SQLiteURL(t), ocap.Options{})
	peer := e.launch("endow-peer.json").RootKref
	cfg := loadCluster(t, "endow-fetch.json")
	setPlatformConfig(t, cfg, "fetcher", map[string]any{"fetch": map[string]any{"allowedHosts": []string{srv.hostPort()}}})
	res := e.launchConfig(cfg)
	e.mustCall(res.RootKref, "tickEvery", srv.URL+"/tick", 10, e.k.GetPresence(peer, "Alleged: root"))
	waitFor(t, patience, "the interval to tick", func() bool {
		n, _ := e.call(peer, "ticks")
		return srv.ticks.Load() >= 3 && n.(float64) >= 3
	})
	fetcher := e.subclusterPIDs(res.SubclusterID)
	e.terminate(res.SubclusterID)
	// Requests already on the wire may still land. Once the fetcher's
	// worker is gone and the server has closed every connection, none can.
	waitFor(t, patience, "the fetcher's worker to exit and its connections to close", func() bool {
		return testutil.AllGone(fetcher) && srv.conns.Load() == 0
	})
	settled := srv.ticks.Load()
	peerTicks := e.mustCall(peer, "ticks")
	time.Sleep(300 * time.Millisecond) // thirty intervals' worth
	if n := srv.ticks.Load(); n != settled {
		t.Fatalf("the interval fired %d times after its vat was terminated", n-settled)
	}
	if n := e.mustCall(peer, "ticks"); n != peerTicks {
		t.Fatalf("the peer got %v ticks after the termination", n.(float64)-peerTicks.(float64))
	}
}

// 100,000 timers: the vat's limit answers with a clear error; the vat, the
// kernel and other vats stay up.
func TestEndowTimerStorm(t *testing.T) {
	e := startKernel(t, storetest.SQLiteURL(t), ocap.Options{})
	peer := e.launch("endow-peer.json").RootKref
	cfg := loadCluster(t, "endow-fetch.json")
	setPlatformConfig(t, cfg, "fetcher", map[string]any{"fetch": map[string]any{"allowedHosts": []string{"127.0.0.1"}}})
	root := e.launchConfig(cfg).RootKref
	got := e.mustCall(root, "storm", 100000)
	want := map[string]any{"set": float64(endowments.DefaultMaxTimers),
		"error": fmt.Sprintf("RangeError: setTimeout: too many pending timers (a vat may have %d)", endowments.DefaultMaxTimers)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("storm\n got  %#v\n want %#v", got, want)
	}
	if got := e.mustCall(root, "storm", 10); !reflect.DeepEqual(got, map[string]any{"set": 10.0, "error": "none"}) {
		t.Errorf("after the storm: %v", got)
	}
	if got := e.mustCall(peer, "tick"); got != 1.0 {
		t.Errorf("the other vat: %v", got)
	}
}

// An unknown name fails the launch with the guide's words and leaves
// nothing behind.
func TestEndowUnknownGlobal(t *testing.T) {
	e := startKernel(t, storetest.SQLiteURL(t), ocap.Options{})
	_, err := e.k.LaunchSubcluster(context.Background(), loadCluster(t, "endow-unknown.json"))
	if err == nil || !strings.Contains(err.Error(), `Vat "v2" requested unknown global "nope"`) {
		t.Fatalf("launch: %v", err)
	}
	expectNothingLaunched(t, e)

	_, err = e.k.LaunchSubcluster(context.Background(), loadCluster(t, "endow-no-allowlist.json"))
	if err == nil || !strings.Contains(err.Error(), `requested "fetch" without an allowlist`) {
		t.Fatalf("fetch without an allowlist: %v", err)
	}
	expectNothingLaunched(t, e)
}

func expectNothingLaunched(t *testing.T, e *kernelEnv) {
	t.Helper()
	st, err := e.k.GetStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Vats) != 0 || len(st.Subclusters) != 0 {
		t.Fatalf("a failed launch left %d vats and %d subclusters", len(st.Vats), len(st.Subclusters))
	}
	waitFor(t, patience, "the failed launch's workers to exit", func() bool { return len(childWorkers(t)) == 0 })
}

// Options.AllowedGlobalNames restricts every vat: nil allows all, a list
// only its names, an empty list none.
func TestEndowAllowedGlobalNames(t *testing.T) {
	e := startKernel(t, storetest.SQLiteURL(t), ocap.Options{AllowedGlobalNames: []string{"TextEncoder"}})
	_, err := e.k.LaunchSubcluster(context.Background(), loadCluster(t, "endow-unknown.json"))
	if err == nil || !strings.Contains(err.Error(), `Vat "v2" requested unknown global "setTimeout"`) {
		t.Fatalf("launch: %v", err)
	}
	expectNothingLaunched(t, e)
	cfg := loadCluster(t, "endow-unknown.json")
	delete(cfg.Vats, "second")
	cfg.VatOrder = []string{"first"}
	if got := e.mustCall(e.launchConfig(cfg).RootKref, "tick"); got != 1.0 {
		t.Fatalf("an allowed vat: %v", got)
	}

	none := startKernel(t, storetest.SQLiteURL(t), ocap.Options{AllowedGlobalNames: []string{}})
	_, err = none.k.LaunchSubcluster(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), `Vat "v1" requested unknown global "TextEncoder"`) {
		t.Fatalf("empty allowlist: %v", err)
	}
}

// Options.FetchAllowedHosts narrows every vat's own allowlist.
func TestEndowKernelFetchAllowlist(t *testing.T) {
	srv := newEndowServer(t)
	e := startKernel(t, storetest.SQLiteURL(t), ocap.Options{FetchAllowedHosts: []string{"example.com"}})
	cfg := loadCluster(t, "endow-fetch.json")
	setPlatformConfig(t, cfg, "fetcher", map[string]any{"fetch": map[string]any{"allowedHosts": []string{srv.hostPort()}}})
	root := e.launchConfig(cfg).RootKref
	want := fmt.Sprintf(`TypeError: fetch refused: host %q is not in the kernel's fetch allowlist`, srv.hostPort())
	if got := e.mustCall(root, "get", srv.URL+"/text"); got != want {
		t.Fatalf("get: %v", got)
	}
	if n := srv.hits.Load(); n != 0 {
		t.Fatalf("the server was reached %d times", n)
	}
}

// A worker built around supervisor.Options{MakeAllowedGlobals} offers its
// own globals.
func TestEndowCustomFactory(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "vat-worker")
	build := exec.Command("go", "build", "-o", bin, "./testdata/endow-worker")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the custom worker: %v\n%s", err, out)
	}
	t.Setenv("OCAP_WORKER_PATH", bin)
	t.Setenv("OCAP_RACE_WORKER_PATH", bin) // this test's name asks for that one
	e := startKernel(t, storetest.SQLiteURL(t), ocap.Options{})
	root := e.launch("endow-custom.json").RootKref
	if got := e.mustCall(root, "hello", "vat"); got != "greetings, vat, from a custom worker (3 bytes)" {
		t.Fatalf("hello: %v", got)
	}
}
