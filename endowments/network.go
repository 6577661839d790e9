package endowments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// network.go: fetch, with Request, Headers and Response (js/network.js).
// Requests run on Go's net/http in goroutines; their results reach the vat
// through the event loop. The host caveat (hosts.go) is checked on the
// request URL, again on every redirect hop, and a last time in the dialer
// on the exact host and port being connected (proxies are off), so no path
// reaches a host outside the list. Every exchange is logged on the vat's
// logger when it ends (method, host, status, bytes, duration): the seed's
// notify hook, kept in the kernel log. Teardown aborts every request and
// body still open.

// readChunk is how much of a body one read hands to the vat.
const readChunk = 64 << 10

// maxRedirects is the Fetch Standard's redirect limit.
const maxRedirects = 20

// hopHeaders are request headers the vat may not set: the transport owns
// them (framing, connection management, the target host).
var hopHeaders = map[string]bool{
	"host": true, "content-length": true, "transfer-encoding": true, "connection": true,
	"keep-alive": true, "upgrade": true, "te": true, "trailer": true, "proxy-connection": true,
	"expect": true,
}

func makeNetwork(e *env) (map[string]goja.Value, error) {
	e.textHost()
	e.urlHost()
	host := e.rt.NewObject()
	e.set("host_net", host)
	if !e.granted("fetch") {
		return e.exports("network", "Request", "Headers", "Response"), nil
	}
	n, err := newNetwork(e)
	if err != nil {
		return nil, err
	}
	_ = host.Set("start", n.start)
	_ = host.Set("abort", func(id int64) { n.finish(id, "aborted") })
	_ = host.Set("release", func(id int64) { n.finish(id, "") })
	_ = host.Set("read", n.read)
	e.onTeardown(n.close)
	return e.exports("network", "fetch", "Request", "Headers", "Response"), nil
}

type network struct {
	e       *env
	caveat  *hostCaveat
	maxBody int64
	client  *http.Client
	tr      *http.Transport
	ctx     context.Context
	cancel  context.CancelFunc

	mu     sync.Mutex
	nextID int64
	open   map[int64]*exchange
	closed bool
}

// exchange is one request from start until its body is read or dropped.
type exchange struct {
	id       int64
	method   string
	host     string
	started  time.Time
	cancel   context.CancelFunc
	body     io.ReadCloser // once the response arrived
	status   int
	bytes    int64
	tooLarge bool
	reading  bool
	readErr  error // held back while a chunk is delivered first
}

type redirectModeKey struct{}

func newNetwork(e *env) (*network, error) {
	entries, maxBody, err := readFetchConfig(e.cfg.PlatformConfig)
	if err != nil {
		return nil, fmt.Errorf(`Vat "%s": %w`, e.cfg.VatID, err)
	}
	if entries == nil {
		return nil, fmt.Errorf(`Vat "%s" requested "fetch" without an allowlist: set platformConfig.fetch.allowedHosts (or network.allowedHosts)`, e.cfg.VatID)
	}
	vatRules, err := ParseHostRules(entries)
	if err != nil {
		return nil, fmt.Errorf(`Vat "%s": platformConfig: %w`, e.cfg.VatID, err)
	}
	caveat := &hostCaveat{vat: vatRules}
	if e.cfg.FetchAllowedHosts != nil {
		kernelRules, err := ParseHostRules(e.cfg.FetchAllowedHosts)
		if err != nil {
			return nil, fmt.Errorf("the kernel's fetch allowlist: %w", err)
		}
		caveat.kernel, caveat.kernelSet = kernelRules, true
	}
	if maxBody == 0 {
		maxBody = e.cfg.MaxResponseBytes
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &network{e: e, caveat: caveat, maxBody: maxBody, ctx: ctx, cancel: cancel, open: map[int64]*exchange{}}
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	n.tr = &http.Transport{
		Proxy: nil, // a proxy would be a host outside the list
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if err := caveat.check(host, port); err != nil {
				return nil, err
			}
			return dialer.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	n.client = &http.Client{Transport: n.tr, CheckRedirect: n.checkRedirect}
	return n, nil
}

// checkRedirect applies the request's redirect mode and the caveat to
// each hop before it is followed.
func (n *network) checkRedirect(req *http.Request, via []*http.Request) error {
	switch req.Context().Value(redirectModeKey{}) {
	case "manual":
		return http.ErrUseLastResponse
	case "error":
		return fmt.Errorf("redirected to %s, and the request's redirect mode is \"error\"", req.URL.Redacted())
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("more than %d redirects", maxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirected to a %s: URL; only http: and https: are fetched", req.URL.Scheme)
	}
	if err := n.caveat.check(req.URL.Hostname(), portOf(req.URL)); err != nil {
		return fmt.Errorf("redirect refused: %w", err)
	}
	return nil
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// start(method, url, headers, body, redirect, done) begins a request and
// returns its id. done(error, meta) is called on the event loop once the
// response headers arrived (meta) or the request failed (error text). A
// refused host or a bad URL throws a TypeError at once.
func (n *network) start(c goja.FunctionCall) goja.Value {
	e := n.e
	method := c.Argument(0).String()
	rawURL := c.Argument(1).String()
	done := callable(c.Argument(5))
	redirect := c.Argument(4).String()
	u, err := url.Parse(rawURL)
	if err != nil {
		e.throw("TypeError", fmt.Sprintf("fetch: invalid URL %q", rawURL))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		e.throw("TypeError", fmt.Sprintf("fetch: only http: and https: URLs are fetched, not %s:", u.Scheme))
	}
	if err := n.caveat.check(u.Hostname(), portOf(u)); err != nil {
		e.log.Warn("fetch refused", "method", method, "host", u.Host, "reason", err.Error())
		e.throw("TypeError", "fetch refused: "+err.Error())
	}
	var body io.Reader
	if b := c.Argument(3); !goja.IsNull(b) && !goja.IsUndefined(b) {
		body = bytes.NewReader(e.bytesOf(b, "fetch: body"))
	}

	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		e.throw("TypeError", "fetch: the vat is stopping")
	}
	if len(n.open) >= e.cfg.MaxOpenRequests {
		n.mu.Unlock()
		e.throw("TypeError", fmt.Sprintf("fetch: too many requests open (a vat may have %d; read or cancel the bodies it holds)", e.cfg.MaxOpenRequests))
	}
	n.nextID++
	ex := &exchange{id: n.nextID, method: method, host: u.Host, started: time.Now()}
	ctx, cancel := context.WithCancel(context.WithValue(n.ctx, redirectModeKey{}, redirect))
	ex.cancel = cancel
	n.open[ex.id] = ex
	n.mu.Unlock()

	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		n.finish(ex.id, err.Error())
		e.throw("TypeError", "fetch: "+err.Error())
	}
	if hs, ok := c.Argument(2).Export().([]any); ok {
		for i := 0; i+1 < len(hs); i += 2 {
			name, value := fmt.Sprint(hs[i]), fmt.Sprint(hs[i+1])
			if !hopHeaders[strings.ToLower(name)] {
				req.Header.Add(name, byteString(value))
			}
		}
	}
	go n.roundTrip(ex, req, done)
	return e.rt.ToValue(ex.id)
}

func (n *network) roundTrip(ex *exchange, req *http.Request, done goja.Callable) {
	resp, err := n.client.Do(req)
	if err != nil {
		msg := n.describe(ex, err)
		n.finish(ex.id, msg)
		n.e.cfg.Enqueue(func() { n.call(done, n.e.rt.ToValue(msg), goja.Null()) })
		return
	}
	n.mu.Lock()
	live := n.open[ex.id] == ex
	if live {
		ex.body, ex.status = resp.Body, resp.StatusCode
		ex.tooLarge = resp.ContentLength > n.maxBody
	}
	n.mu.Unlock()
	if !live { // aborted while the headers were on their way
		resp.Body.Close()
		return
	}
	final := resp.Request.URL.String()
	redirected := final != req.URL.String()
	var headers []any
	for name, values := range resp.Header {
		for _, v := range values {
			headers = append(headers, strings.ToLower(name), latin1(v))
		}
	}
	status := resp.StatusCode
	n.e.log.Debug("fetch response", "method", ex.method, "host", ex.host, "status", status,
		"duration", time.Since(ex.started).Round(time.Microsecond).String())
	statusText := strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(status)))
	if !n.e.cfg.Enqueue(func() {
		rt := n.e.rt
		meta := rt.NewObject()
		_ = meta.Set("status", status)
		_ = meta.Set("statusText", statusText)
		_ = meta.Set("url", final)
		_ = meta.Set("redirected", redirected)
		_ = meta.Set("headers", rt.NewArray(headers...))
		n.call(done, goja.Null(), meta)
	}) {
		n.finish(ex.id, "vat stopped")
	}
}

// describe turns a transport error into the text of the vat's TypeError,
// keeping a refusal's own words (which name the host).
func (n *network) describe(ex *exchange, err error) string {
	var refused *refusedError
	if errors.As(err, &refused) {
		n.e.log.Warn("fetch refused", "method", ex.method, "host", refused.hostPort, "reason", refused.Error())
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Sprintf("fetch %s %s failed: %v", ex.method, ex.host, err)
}

// read(id, cb) reads the next chunk of a response body; cb(chunk, error)
// gets an ArrayBuffer, or null at the end, or an error text.
func (n *network) read(c goja.FunctionCall) goja.Value {
	id := c.Argument(0).ToInteger()
	cb := callable(c.Argument(1))
	n.mu.Lock()
	ex := n.open[id]
	if ex == nil || ex.body == nil || ex.reading {
		n.mu.Unlock()
		n.e.throw("TypeError", "fetch: the response body is closed")
	}
	ex.reading = true
	pending := ex.readErr
	n.mu.Unlock()
	go func() {
		var chunk []byte
		err := pending
		switch {
		case err != nil:
		case ex.tooLarge:
			err = n.tooLarge(ex)
		default:
			buf := make([]byte, readChunk)
			k, rerr := ex.body.Read(buf)
			chunk, err = buf[:k], rerr
			n.mu.Lock()
			ex.bytes += int64(k)
			over := ex.bytes > n.maxBody
			n.mu.Unlock()
			if over {
				chunk, err = nil, n.tooLarge(ex)
			}
		}
		n.mu.Lock()
		ex.reading = false
		if len(chunk) > 0 && err != nil {
			ex.readErr, err = err, nil // the chunk first, the end next time
		}
		n.mu.Unlock()
		var msg string
		switch {
		case len(chunk) > 0:
		case errors.Is(err, io.EOF):
			n.finish(ex.id, "")
		default:
			msg = fmt.Sprintf("fetch %s %s: reading the body failed: %v", ex.method, ex.host, err)
			n.finish(ex.id, msg)
		}
		n.e.cfg.Enqueue(func() {
			switch {
			case len(chunk) > 0:
				n.call(cb, n.e.buffer(chunk), goja.Null())
			case msg == "":
				n.call(cb, goja.Null(), goja.Null())
			default:
				n.call(cb, goja.Null(), n.e.rt.ToValue(msg))
			}
		})
	}()
	return goja.Undefined()
}

func (n *network) tooLarge(ex *exchange) error {
	return fmt.Errorf("the response body is larger than the limit of %d bytes", n.maxBody)
}

func (n *network) call(fn goja.Callable, args ...goja.Value) {
	if _, err := fn(goja.Undefined(), args...); err != nil {
		n.e.reportError("a fetch callback", err)
	}
}

// finish ends an exchange once: its context is cancelled (aborting the
// connection if it is still in use), its body closed, and the exchange
// logged. why is "" for a normal end.
func (n *network) finish(id int64, why string) {
	n.mu.Lock()
	ex := n.open[id]
	delete(n.open, id)
	var body io.ReadCloser
	var status int
	var size int64
	if ex != nil {
		body, status, size = ex.body, ex.status, ex.bytes
	}
	n.mu.Unlock()
	if ex == nil {
		return
	}
	ex.cancel()
	if body != nil {
		body.Close()
	}
	args := []any{"method", ex.method, "host", ex.host, "status", status, "bytes", size,
		"duration", time.Since(ex.started).Round(time.Microsecond).String()}
	if why != "" {
		args = append(args, "error", why)
	}
	n.e.log.Info("fetch", args...)
}

// close is the teardown: every open exchange is aborted, and idle
// connections are closed, so the servers see the vat go at once.
func (n *network) close() {
	n.mu.Lock()
	n.closed = true
	ids := make([]int64, 0, len(n.open))
	for id := range n.open {
		ids = append(ids, id)
	}
	n.mu.Unlock()
	for _, id := range ids {
		n.finish(id, "vat stopped")
	}
	n.cancel()
	n.tr.CloseIdleConnections()
}

// Header values are byte strings on both sides, as in browsers: each
// character of a JavaScript value (all at most U+00FF, Headers checks) is
// one byte on the wire, and each byte received is one character.
func byteString(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

func latin1(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}
