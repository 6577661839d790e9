package endowments

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocapgo/ocap/internal/testutil"
)

// testServer answers on 127.0.0.1 and records what it saw.
type testServer struct {
	*httptest.Server
	hits   atomic.Int32
	closed map[string]chan struct{} // path -> closed when the client went away mid-exchange
	began  map[string]chan struct{} // path -> closed when the handler started
}

func newTestServer(t *testing.T) *testServer {
	s := &testServer{closed: map[string]chan struct{}{}, began: map[string]chan struct{}{}}
	for _, p := range []string{"/hang", "/drip"} {
		s.closed[p] = make(chan struct{})
		s.began[p] = make(chan struct{})
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *testServer) hostPort() string { return strings.TrimPrefix(s.URL, "http://") }

func (s *testServer) handle(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	switch r.URL.Path {
	case "/echo":
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "custom": r.Header.Get("X-Custom"), "type": r.Header.Get("Content-Type"),
			"body": string(body), "query": r.URL.RawQuery,
		})
	case "/redirect":
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	case "/big":
		w.Write([]byte(strings.Repeat("x", 4096)))
	case "/hang", "/drip":
		close(s.began[r.URL.Path])
		if r.URL.Path == "/drip" {
			w.Write([]byte("first chunk"))
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
			close(s.closed[r.URL.Path])
		case <-time.After(2 * testutil.Patience): // longer than any test waits for the close
		}
	default:
		http.NotFound(w, r)
	}
}

// waitClosed fails unless the client dropped path within limit.
func (s *testServer) waitClosed(t *testing.T, path string, limit time.Duration) {
	t.Helper()
	select {
	case <-s.closed[path]:
	case <-time.After(limit):
		t.Fatalf("the server did not see %s closed within %v", path, limit)
	}
}

func fetchNames() []string {
	return []string{"fetch", "Request", "Headers", "Response", "AbortController", "TextDecoder"}
}

func allowing(hosts ...string) string {
	b, _ := json.Marshal(map[string]any{"fetch": map[string]any{"allowedHosts": hosts}})
	return string(b)
}

func TestFetchEcho(t *testing.T) {
	s := newTestServer(t)
	v := newTestVat(t, fetchNames(), allowing(s.hostPort()))
	v.expect(`const headers = new Headers({'X-Custom': 'hello'});
		headers.append('x-custom', 'again');
		const req = new Request('`+s.URL+`/echo?q=1', {method: 'post', headers, body: 'the body'});
		const res = await fetch(req);
		const got = await res.json();
		return [res.status, res.ok, res.statusText, res.headers.get('CONTENT-TYPE'), res.headers.get('x-multi'),
			got.method, got.custom, got.type, got.body, got.query, res.bodyUsed, res.url === '`+s.URL+`/echo?q=1'].join('|')`,
		"ok: 200|true|OK|application/json|a, b|POST|hello, again|text/plain;charset=UTF-8|the body|q=1|true|true")
	v.expect(`const r = await fetch('`+s.URL+`/nowhere'); await r.text(); return r.status + ' ' + r.ok`, "ok: 404 false")
	// Streaming: a reader gets the body in chunks, then done.
	v.expect(`const r = await fetch('`+s.URL+`/big'); const reader = r.body.getReader(); let n = 0;
		for (;;) { const {value, done} = await reader.read(); if (done) break; n += value.byteLength; }
		return n`, "ok: 4096")
	// Every exchange is logged with method, host, status, bytes, duration.
	logs := v.logs.String()
	for _, want := range []string{"method=POST", "host=" + s.hostPort(), "status=200", "bytes=", "duration=", "status=404"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q:\n%s", want, logs)
		}
	}
}

func TestFetchRefusals(t *testing.T) {
	s := newTestServer(t)
	other := newTestServer(t)
	v := newTestVat(t, fetchNames(), allowing(s.hostPort()))
	refused := `ok: TypeError: fetch refused: host "` + other.hostPort() + `" is not in this vat's allowed hosts`
	v.expect(`try { await fetch('`+other.URL+`/echo'); return 'fetched' } catch (e) { return e.name + ': ' + e.message }`, refused)
	// A redirect to a host outside the list is refused before it is followed.
	to := url.QueryEscape(other.URL + "/echo")
	v.expect(`try { await fetch('`+s.URL+`/redirect?to=`+to+`'); return 'fetched' } catch (e) { return e.message }`,
		`ok: fetch GET `+s.hostPort()+` failed: redirect refused: host "`+other.hostPort()+`" is not in this vat's allowed hosts`)
	if n := other.hits.Load(); n != 0 {
		t.Fatalf("the refused server was reached %d times", n)
	}
	// Names are not matched by what they resolve to.
	port := s.URL[strings.LastIndex(s.URL, ":")+1:]
	v.expect(`try { await fetch('http://localhost:`+port+`/echo'); return 'fetched' } catch (e) { return e.message }`,
		`ok: fetch refused: host "localhost:`+port+`" is not in this vat's allowed hosts`)
	v.expect(`try { await fetch('ftp://`+s.hostPort()+`/'); return 'fetched' } catch (e) { return e.message }`,
		`ok: fetch: only http: and https: URLs are fetched, not ftp:`)
	v.expect(`try { await fetch('/relative'); return 'fetched' } catch (e) { return e.name }`, "ok: TypeError")
	v.expect(`try { new Headers({'bad name': 'x'}); return 'no' } catch (e) { return e.message }`,
		`ok: Headers: "bad name" is an invalid header name.`)

	// The kernel's list narrows the vat's.
	k := newTestVat(t, fetchNames(), allowing(s.hostPort()), func(c *Config) { c.FetchAllowedHosts = []string{"example.com"} })
	k.expect(`try { await fetch('`+s.URL+`/echo'); return 'fetched' } catch (e) { return e.message }`,
		`ok: fetch refused: host "`+s.hostPort()+`" is not in the kernel's fetch allowlist`)

	if _, err := tryTestVat(t, []string{"fetch"}, ""); err == nil || !strings.Contains(err.Error(), `Vat "v1" requested "fetch" without an allowlist`) {
		t.Fatalf("fetch without an allowlist: %v", err)
	}
	if _, err := tryTestVat(t, []string{"fetch"}, allowing("http://x")); err == nil || !strings.Contains(err.Error(), `allowed host "http://x"`) {
		t.Fatalf("bad entry: %v", err)
	}
	// Any port, or one port.
	if _, err := tryTestVat(t, []string{"fetch"}, `{"network": {"allowedHosts": ["127.0.0.1"]}}`); err != nil {
		t.Fatal(err)
	}
	w := newTestVat(t, fetchNames(), `{"network": {"allowedHosts": ["127.0.0.1"]}}`)
	w.expect(`return (await fetch('`+s.URL+`/echo')).status`, "ok: 200")
	x := newTestVat(t, fetchNames(), allowing("127.0.0.1:1"))
	x.expect(`try { await fetch('`+s.URL+`/echo'); return 'fetched' } catch (e) { return e.name }`, "ok: TypeError")
}

func TestFetchOpenLimit(t *testing.T) {
	s := newTestServer(t)
	v := newTestVat(t, fetchNames(), allowing(s.hostPort()), func(c *Config) { c.MaxOpenRequests = 2 })
	v.expect(`const a = await fetch('`+s.URL+`/big'); const b = await fetch('`+s.URL+`/big');
		let third; try { await fetch('`+s.URL+`/big') } catch (e) { third = e.message }
		await a.text();
		const fourth = (await fetch('`+s.URL+`/big')).status;
		return third + ' | ' + fourth`,
		"ok: fetch: too many requests open (a vat may have 2; read or cancel the bodies it holds) | 200")
}

func TestFetchBodyLimit(t *testing.T) {
	s := newTestServer(t)
	v := newTestVat(t, fetchNames(), `{"fetch": {"allowedHosts": ["`+s.hostPort()+`"], "maxResponseBytes": 1000}}`)
	v.expect(`const r = await fetch('`+s.URL+`/big'); try { await r.text(); return 'read' } catch (e) { return e.message }`,
		"ok: fetch GET "+s.hostPort()+": reading the body failed: the response body is larger than the limit of 1000 bytes")
}

func TestFetchAbortAndTeardown(t *testing.T) {
	s := newTestServer(t)
	v := newTestVat(t, fetchNames(), allowing(s.hostPort()))
	v.eval(`globalThis.c = new AbortController(); globalThis.p = fetch('` + s.URL + `/hang', {signal: c.signal})`)
	if !v.spin(testutil.Patience, func() bool { return isClosed(s.began["/hang"]) }) {
		t.Fatal("the request did not reach the server")
	}
	v.expect(`c.abort(); try { await p; return 'fetched' } catch (e) { return e.name }`, "ok: AbortError")
	s.waitClosed(t, "/hang", testutil.Patience)

	s2 := newTestServer(t)
	w := newTestVat(t, fetchNames(), allowing(s2.hostPort()))
	w.eval(`globalThis.state = 'start';
		fetch('` + s2.URL + `/hang').then(() => { state += ' hang-resolved' }, () => {});
		fetch('` + s2.URL + `/drip').then(r => { const reader = r.body.getReader();
			return reader.read().then(({value}) => { state = 'got ' + new TextDecoder().decode(value); return reader.read(); }); }).catch(() => {});`)
	if !w.spin(testutil.Patience, func() bool { return w.eval("state").String() == "got first chunk" }) {
		t.Fatalf("state %s", w.eval("state"))
	}
	<-s2.began["/hang"]
	w.end.Teardown()
	s2.waitClosed(t, "/hang", testutil.Patience)
	s2.waitClosed(t, "/drip", testutil.Patience)
}

func TestNetworkClassesWithoutFetch(t *testing.T) {
	v := newTestVat(t, []string{"Request", "Response", "Headers"}, "")
	v.expect(`return await new Response('x').text()`, "ok: x")
	v.expect(`const r = new Response(new Uint8Array([104, 105]), {status: 201, headers: {'X-A': '1'}});
		return [r.status, r.headers.get('x-a'), r.headers.get('content-type'), await r.text(), r.bodyUsed].join()`, "ok: 201,1,,hi,true")
	v.expect(`const r = Response.json({a: 1}); return r.headers.get('content-type') + ' ' + JSON.stringify(await r.json())`, `ok: application/json {"a":1}`)
	v.expect(`const r = new Response('abc'); const c = r.clone(); return (await r.text()) + (await c.text())`, "ok: abcabc")
	v.expect(`const r = new Response('abc'); await r.text(); try { await r.text(); return 'twice' } catch (e) { return e.name }`, "ok: TypeError")
	v.expect(`const q = new Request('https://example.com/a', {method: 'PUT', body: JSON.stringify({k: 1}), headers: [['Content-Type', 'application/json']]});
		return [q.method, q.url, q.headers.get('content-type'), (await q.json()).k, q.signal.aborted].join()`, "ok: PUT,https://example.com/a,application/json,1,false")
	v.expect(`try { new Request('https://example.com', {body: 'x'}); return 'no' } catch (e) { return e.message }`, "ok: Request with GET/HEAD method cannot have body.")
	v.expect(`const h = new Headers([['b', '2'], ['A', '1'], ['set-cookie', 'x'], ['set-cookie', 'y'], ['b', '3']]);
		return [...h].map(p => p.join('=')).join('&') + ' ' + h.has('B') + ' ' + h.getSetCookie().length`, "ok: a=1&b=2, 3&set-cookie=x&set-cookie=y true 2")
	v.expect(`try { new Response('x', {status: 99}); return 'no' } catch (e) { return e.name }`, "ok: RangeError")
	v.expect(`try { new Response('x', {status: 204}); return 'no' } catch (e) { return e.name }`, "ok: TypeError")
	v.expect(`return Response.redirect('https://e.com/x', 301).headers.get('location') + ' ' + Response.error().type`, "ok: https://e.com/x error")
	v.expect(`const r = new Response('chunked'); const rd = r.body.getReader(); const a = await rd.read(); const b = await rd.read();
		return [a.value.byteLength, a.done, b.done, r.bodyUsed].join()`, "ok: 7,false,true,true")
	v.expect(`try { new Headers().append('x', 'a\nb'); return 'no' } catch (e) { return e.name }`, "ok: TypeError")
	v.expect(`try { new Headers({a: '€'}); return 'no' } catch (e) { return e.name + ' ' + new Headers({a: ' x\t'}).get('A') + '.' }`, "ok: TypeError x.")
	v.expect(`return new Headers({a: 'é'}).get('a')`, "ok: é")
	v.expect(`return typeof fetch`, "ok: undefined")
}

func TestHostRules(t *testing.T) {
	rules, err := ParseHostRules([]string{"Example.COM", "127.0.0.1:8080", "[::1]:9", "::1", "bücher.de", "0x7f.1"})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(rules)
	if got != "[example.com 127.0.0.1:8080 [::1]:9 [::1] xn--bcher-kva.de 127.0.0.1]" {
		t.Fatalf("rules %s", got)
	}
	c := &hostCaveat{vat: rules[:3]}
	for _, tc := range []struct {
		host, port string
		ok         bool
	}{
		{"example.com", "443", true}, {"EXAMPLE.com", "1", true}, {"sub.example.com", "443", false},
		{"127.0.0.1", "8080", true}, {"127.0.0.1", "8081", false}, {"::1", "9", true}, {"::1", "10", false},
	} {
		if err := c.check(tc.host, tc.port); (err == nil) != tc.ok {
			t.Errorf("%s:%s: %v", tc.host, tc.port, err)
		}
	}
	for _, bad := range []string{"", "http://x", "a:b", "x:0", "[::1", "a/b", "exa mple.com"} {
		if _, err := ParseHostRules([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
