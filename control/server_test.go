package control_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/control"
	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/store"
)

// env is a control server on a unix socket in front of a kernel over an
// in-memory store.
type env struct {
	t      *testing.T
	srv    *control.Server
	db     store.Store
	k      *ocap.Kernel
	socket string
	c      *control.Client
	raw    *http.Client
	stops  atomic.Int32
}

// newEnv starts the server; with ready false it has no kernel yet.
func newEnv(t *testing.T, ready bool) *env {
	t.Helper()
	e := &env{t: t}
	e.srv = control.NewServer(control.ServerOptions{Logger: testutil.Logger(t), Stop: func() { e.stops.Add(1) }})
	if ready {
		e.startKernel()
	}
	// A short folder: socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "ctl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	e.socket = filepath.Join(dir, "k.sock")
	ln, err := net.Listen("unix", e.socket)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(e.srv)
	hs.Listener = ln
	hs.Start()
	t.Cleanup(hs.Close)
	e.c = control.NewClient(e.socket)
	e.raw = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", e.socket)
	}}}
	return e
}

func (e *env) startKernel() {
	t := e.t
	db, err := store.Open(t.Context(), "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	log := testutil.Logger(t)
	k, err := ocap.Make(t.Context(), platform.New(platform.Options{WorkerPath: testutil.WorkerPath(t), Logger: log}), db, ocap.Options{Logger: log})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testutil.Patience)
		defer cancel()
		_ = k.Stop(ctx)
		db.Close()
	})
	e.db, e.k = db, k
	e.srv.Ready(k)
}

// request sends a raw request and returns the status and decoded error.
func (e *env) request(method, path, body string) (int, *control.Error, string) {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, "http://kernel"+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := e.raw.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		e.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	var er control.ErrorResponse
	_ = json.Unmarshal(data, &er)
	return resp.StatusCode, er.Error, string(data)
}

// snapshot is every key and value of the store.
func (e *env) snapshot() map[string]string {
	e.t.Helper()
	out := map[string]string{}
	err := e.db.Scan(e.t.Context(), "", func(k, v string) error { out[k] = v; return nil })
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func cluster(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "testdata", "clusters", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantCode(t *testing.T, what string, err error, code string) *control.Error {
	t.Helper()
	var ce *control.Error
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("%s: got %v (code %q), want code %s", what, err, control.ErrorCode(err), code)
	}
	return ce
}

func TestStartingReadyStopping(t *testing.T) {
	e := newEnv(t, false)
	_, err := e.c.Status(t.Context())
	ce := wantCode(t, "status before Ready", err, control.CodeStarting)
	if ce.Status != http.StatusServiceUnavailable || !strings.Contains(ce.Message, "starting") {
		t.Errorf("status before Ready: %d %q", ce.Status, ce.Message)
	}
	_, err = e.c.SystemRoot(t.Context(), "hello")
	ce = wantCode(t, "system-root before Ready", err, control.CodeStarting)
	if !strings.Contains(ce.Message, "system subclusters are not ready") {
		t.Errorf("system-root before Ready says %q; want it to say system subclusters are starting", ce.Message)
	}

	// Stop works while starting, and calls Stop once however often asked.
	for range 2 {
		ack, err := e.c.Stop(t.Context())
		if err != nil {
			t.Fatalf("stop: %v", err)
		}
		if !ack.Stopping || ack.PID != os.Getpid() {
			t.Errorf("stop answered %+v", ack)
		}
	}
	if n := e.stops.Load(); n != 1 {
		t.Errorf("Stop called %d times, want 1", n)
	}

	e.startKernel()
	st, err := e.c.Status(t.Context())
	if err != nil {
		t.Fatalf("status when ready: %v", err)
	}
	data, _ := json.Marshal(st)
	if string(data) != `{"vats":[],"subclusters":[],"remoteComms":{"state":"disconnected"}}` {
		t.Errorf("status of an empty kernel: %s", data)
	}

	e.srv.Stopping()
	_, err = e.c.Status(t.Context())
	wantCode(t, "status when stopping", err, control.CodeStopping)
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t, true)
	before := e.snapshot()
	cases := []struct {
		method, path, body string
		status             int
		code, message      string
	}{
		{"GET", "/v1/nope", "", 404, control.CodeNotFound, "no endpoint GET /v1/nope"},
		{"GET", "/", "", 404, control.CodeNotFound, "no endpoint GET /"},
		{"GET", control.PathSend, "", 405, control.CodeMethodNotAllowed, "/v1/send takes POST, not GET"},
		{"POST", control.PathStatus, "{}", 405, control.CodeMethodNotAllowed, "/v1/status takes GET, not POST"},
		{"POST", control.PathSend, "{bad", 400, control.CodeBadRequest, "malformed JSON body: invalid character 'b'"},
		{"POST", control.PathSend, "", 400, control.CodeBadRequest, "empty request body: expected a JSON object"},
		{"POST", control.PathSend, `[1]`, 400, control.CodeBadRequest, "malformed JSON body: json: cannot unmarshal array"},
		{"POST", control.PathSend, `{"kref":"ko1","method":"x","bogus":1}`, 400, control.CodeBadRequest, `unknown field "bogus"`},
		{"POST", control.PathSend, `{"kref":"ko1","method":"x"} {}`, 400, control.CodeBadRequest, "more than one JSON value"},
		{"POST", control.PathSend, `{"method":"x"}`, 400, control.CodeBadRequest, `missing "kref"`},
		{"POST", control.PathSend, `{"kref":"ko1"}`, 400, control.CodeBadRequest, `missing "method"`},
		{"POST", control.PathSend, `{"kref":"ko1","method":"x","args":[1e400]}`, 400, control.CodeBadRequest, "argument 1: json: cannot unmarshal number 1e400"},
		{"POST", control.PathSend, `{"kref":"ko1","method":"x","timeoutMs":-1}`, 400, control.CodeBadRequest, `"timeoutMs" is negative`},
		{"POST", control.PathSend, `{"kref":"ko","method":"x"}`, 404, control.CodeUnknownKref, `unknown kref "ko": a kref looks like ko12 or kp7`},
		{"POST", control.PathSend, `{"kref":"kofoo","method":"x"}`, 404, control.CodeUnknownKref, `unknown kref "kofoo": a kref looks like ko12 or kp7`},
		{"POST", control.PathSend, `{"kref":"ko999999","method":"x"}`, 404, control.CodeUnknownKref, `unknown kref "ko999999": no such object or promise`},
		{"POST", control.PathTerminate, `{"subclusterId":"s99"}`, 404, control.CodeUnknownSubcluster, `unknown subcluster "s99"`},
		{"POST", control.PathTerminate, `{}`, 400, control.CodeBadRequest, `missing "subclusterId"`},
		{"POST", control.PathPingVat, `{"vatId":"v99"}`, 404, control.CodeUnknownVat, `unknown vat "v99"`},
		{"POST", control.PathPingVat, `{"vat":"v1"}`, 400, control.CodeBadRequest, `unknown field "vat"`},
		{"GET", control.PathSystemRoot, "", 400, control.CodeBadRequest, "missing ?name=NAME"},
		{"GET", control.PathSystemRoot + "?name=nope", "", 404, control.CodeUnknownSystem, `no system subcluster named "nope"`},
		{"POST", control.PathRevoke, `{}`, 400, control.CodeBadRequest, `missing "kref"`},
		{"POST", control.PathRevoke, `{"kref":"kofoo"}`, 404, control.CodeUnknownKref, `unknown kref "kofoo": a kref looks like ko12 or kp7`},
		{"POST", control.PathRevoke, `{"kref":"ko999999"}`, 404, control.CodeUnknownKref, `unknown kref "ko999999": no such object or promise`},
		{"GET", control.PathRevoke, "", 405, control.CodeMethodNotAllowed, "/v1/revoke takes POST, not GET"},
		{"GET", control.PathRevoked, "", 400, control.CodeBadRequest, "missing ?kref=KREF"},
		{"GET", control.PathRevoked + "?kref=ko", "", 404, control.CodeUnknownKref, `unknown kref "ko": a kref looks like ko12 or kp7`},
		{"POST", control.PathRestartVat, `{}`, 400, control.CodeBadRequest, `missing "vatId"`},
		{"POST", control.PathRestartVat, `{"vatId":"v99"}`, 404, control.CodeUnknownVat, `unknown vat "v99"`},
		{"POST", control.PathTerminateVat, `{}`, 400, control.CodeBadRequest, `missing "vatId"`},
		{"POST", control.PathTerminateVat, `{"vatId":"v99"}`, 404, control.CodeUnknownVat, `unknown vat "v99"`},
		{"GET", control.PathReset, "", 405, control.CodeMethodNotAllowed, "/v1/reset takes POST, not GET"},
		{"POST", control.PathIssueURL, `{}`, 400, control.CodeBadRequest, `missing "kref"`},
		{"POST", control.PathIssueURL, `{"kref":"ko1"}`, 409, control.CodeNoRemoteComms, "remote comms are off"},
		{"POST", control.PathRedeemURL, `{}`, 400, control.CodeBadRequest, `missing "url"`},
		{"POST", control.PathRedeemURL, `{"url":"ocap:x@y"}`, 409, control.CodeNoRemoteComms, "remote comms are off"},
		{"GET", control.PathRedeemURL, "", 405, control.CodeMethodNotAllowed, "/v1/redeem-url takes POST, not GET"},
		{"POST", control.PathLaunch, `{}`, 400, control.CodeBadRequest, `missing "path"`},
		{"POST", control.PathLaunch, `{"path":"hello.json"}`, 400, control.CodeBadRequest, `path "hello.json" is not absolute`},
		{"POST", control.PathLaunch, `{"path":"/nonexistent/cluster.json"}`, 400, control.CodeBadClusterConfig, "reading cluster config: open /nonexistent/cluster.json: no such file or directory"},
		{"POST", control.PathLaunch, `{"path":` + quote(cluster(t, "malformed.json")) + `}`, 400, control.CodeBadClusterConfig, "malformed.json"},
		{"POST", control.PathLaunch, `{"path":` + quote(cluster(t, "missing-source.json")) + `}`, 422, control.CodeLaunchFailed, `vat "alice": Could not resolve`},
	}
	for _, c := range cases {
		status, ce, raw := e.request(c.method, c.path, c.body)
		if status != c.status || ce == nil || ce.Code != c.code || !strings.Contains(ce.Message, c.message) {
			t.Errorf("%s %s %s:\n got %d %s\nwant %d %s containing %q", c.method, c.path, c.body, status, raw, c.status, c.code, c.message)
		}
		if strings.Count(strings.TrimSpace(raw), "\n") != 0 {
			t.Errorf("%s %s: answer is not one line: %q", c.method, c.path, raw)
		}
	}
	if after := e.snapshot(); !maps.Equal(before, after) {
		t.Errorf("bad requests changed the store:\nbefore %v\nafter  %v", before, after)
	}
	if _, err := e.c.Status(t.Context()); err != nil {
		t.Errorf("status after bad requests: %v", err)
	}
}

func quote(s string) string {
	data, _ := json.Marshal(s)
	return string(data)
}

func TestLaunchSendTerminate(t *testing.T) {
	e := newEnv(t, true)
	ctx := t.Context()
	res, err := e.c.Launch(ctx, cluster(t, "control/objects.json"))
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	if res.SubclusterID == "" || !strings.HasPrefix(res.RootKref, "ko") || string(res.BootstrapResult) != `"keeper is ready"` {
		t.Fatalf("launch answered %+v (bootstrapResult %s)", res, res.BootstrapResult)
	}

	// A remotable result prints "@kref" first and can be sent back as is.
	counter, err := e.c.Send(ctx, res.RootKref, "makeCounter", []json.RawMessage{json.RawMessage(`"c1"`)}, 0)
	if err != nil {
		t.Fatalf("makeCounter: %v", err)
	}
	var ref struct {
		Kref  string `json:"@kref"`
		Iface string `json:"@iface"`
	}
	if err := json.Unmarshal(counter, &ref); err != nil || !strings.HasPrefix(string(counter), `{"@kref":"ko`) || ref.Iface != "Alleged: c1" {
		t.Fatalf("makeCounter result: %s", counter)
	}
	name, err := e.c.Send(ctx, res.RootKref, "nameOf", []json.RawMessage{counter}, 0)
	if err != nil || string(name) != `"c1"` {
		t.Fatalf("nameOf(counter): %s, %v", name, err)
	}
	if n, err := e.c.Send(ctx, ref.Kref, "increment", nil, 0); err != nil || string(n) != "1" {
		t.Fatalf("increment: %s, %v", n, err)
	}
	echo, err := e.c.Send(ctx, res.RootKref, "echo", []json.RawMessage{json.RawMessage(`[1,{"a":null},"x",true]`)}, 0)
	if err != nil || string(echo) != `[[1,{"a":null},"x",true]]` {
		t.Fatalf("echo: %s, %v", echo, err)
	}

	// A rejection is REJECTED with the rejection value.
	_, err = e.c.Send(ctx, res.RootKref, "fail", []json.RawMessage{json.RawMessage(`"boom"`)}, 0)
	ce := wantCode(t, "fail", err, control.CodeRejected)
	if ce.Message != "fail rejected: Error: boom" || string(ce.Rejection) != `{"@error":"boom","name":"Error"}` || ce.Status != 422 {
		t.Errorf("fail: %d %q rejection %s", ce.Status, ce.Message, ce.Rejection)
	}

	// A result that never settles times out on the daemon's side.
	_, err = e.c.Send(ctx, res.RootKref, "never", nil, 200*time.Millisecond)
	ce = wantCode(t, "never", err, control.CodeTimeout)
	if !strings.Contains(ce.Message, "within 200ms") {
		t.Errorf("timeout message: %q", ce.Message)
	}

	st, err := e.c.Status(ctx)
	if err != nil || len(st.Vats) != 1 {
		t.Fatalf("status: %+v, %v", st, err)
	}
	vat, pid := st.Vats[0].ID, st.Vats[0].PID
	if pong, err := e.c.PingVat(ctx, vat); err != nil || pong != "pong" {
		t.Fatalf("ping %s: %q, %v", vat, pong, err)
	}
	if err := e.c.Terminate(ctx, res.SubclusterID); err != nil {
		t.Fatalf("terminate: %v", err)
	}
	testutil.WaitFor(t, testutil.Patience, "the terminated vat's worker to exit", func() bool { return testutil.ProcessGone(pid) })
	_, err = e.c.Send(ctx, res.RootKref, "echo", nil, 0)
	ce = wantCode(t, "send after terminate", err, control.CodeRejected)
	if !strings.Contains(ce.Message, "VAT_TERMINATED") || !strings.Contains(ce.Message, "vat "+vat) {
		t.Errorf("send after terminate: %q; want it to name vat %s as terminated", ce.Message, vat)
	}
	subs, err := e.c.Subclusters(ctx)
	if err != nil || len(subs) != 0 {
		t.Errorf("subclusters after terminate: %+v, %v", subs, err)
	}
}

func TestClientNoDaemon(t *testing.T) {
	dir, err := os.MkdirTemp("", "ctl")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for _, socket := range []string{filepath.Join(dir, "none.sock"), stale(t, dir)} {
		_, err := control.NewClient(socket).Status(t.Context())
		want := "no kernel daemon at " + socket + ": start one with 'kernel serve'"
		if !errors.Is(err, control.ErrNoDaemon) || err.Error() != want {
			t.Errorf("status with no daemon at %s: %v; want %q", socket, err, want)
		}
	}
}

// stale leaves a socket file nobody listens on.
func stale(t *testing.T, dir string) string {
	p := filepath.Join(dir, "stale.sock")
	ln, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	return p
}
