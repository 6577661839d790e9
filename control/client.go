package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// ErrNoDaemon means nothing answers on the socket: no daemon runs there.
var ErrNoDaemon = errors.New("no kernel daemon")

// maxResponse bounds what the client reads of one answer.
const maxResponse = 64 << 20

// Client calls the control API of the daemon listening on Socket. Its
// methods return an *Error (with the daemon's code) when the daemon
// refuses, and an error wrapping ErrNoDaemon when nothing answers.
type Client struct {
	Socket string
	hc     *http.Client
}

// NewClient returns a client for the daemon on socket. It sets no timeout
// of its own: bound calls with their context.
func NewClient(socket string) *Client {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", socket)
	}
	return &Client{Socket: socket, hc: &http.Client{Transport: &http.Transport{DialContext: dial}}}
}

// ErrorCode returns the daemon's error code carried by err, or "".
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Status returns the kernel's status; it succeeds only once the daemon is
// ready (its subclusters restored and system subclusters launched).
func (c *Client) Status(ctx context.Context) (*StatusResponse, error) {
	var out StatusResponse
	if err := c.do(ctx, http.MethodGet, PathStatus, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Subclusters lists the live subclusters.
func (c *Client) Subclusters(ctx context.Context) (SubclustersResponse, error) {
	var out SubclustersResponse
	if err := c.do(ctx, http.MethodGet, PathSubclusters, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// SystemRoot returns the root kref of the system subcluster name.
func (c *Client) SystemRoot(ctx context.Context, name string) (string, error) {
	var out SystemRootResponse
	if err := c.do(ctx, http.MethodGet, PathSystemRoot+"?name="+url.QueryEscape(name), nil, &out); err != nil {
		return "", err
	}
	return out.RootKref, nil
}

// Launch launches the cluster config file at path, which must be absolute:
// the daemon reads it.
func (c *Client) Launch(ctx context.Context, path string) (*LaunchResponse, error) {
	var out LaunchResponse
	if err := c.do(ctx, http.MethodPost, PathLaunch, LaunchRequest{Path: path}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Send sends method(args...) to kref and returns the settled result in
// JSON form. timeout bounds the wait on the daemon's side (0: none); a
// rejection is an *Error with code REJECTED.
func (c *Client) Send(ctx context.Context, kref, method string, args []json.RawMessage, timeout time.Duration) (json.RawMessage, error) {
	req := SendRequest{Kref: kref, Method: method, Args: args, TimeoutMs: timeout.Milliseconds()}
	var out SendResponse
	if err := c.do(ctx, http.MethodPost, PathSend, req, &out); err != nil {
		return nil, err
	}
	return out.Result, nil
}

// Terminate terminates the subcluster id.
func (c *Client) Terminate(ctx context.Context, id string) error {
	var out TerminateResponse
	return c.do(ctx, http.MethodPost, PathTerminate, TerminateRequest{SubclusterID: id}, &out)
}

// PingVat pings the vat id; a live vat answers "pong".
func (c *Client) PingVat(ctx context.Context, id string) (string, error) {
	var out PingVatResponse
	if err := c.do(ctx, http.MethodPost, PathPingVat, PingVatRequest{VatID: id}, &out); err != nil {
		return "", err
	}
	return out.Result, nil
}

// Revoke revokes the object kref: every later send to it rejects with
// OBJECT_REVOKED.
func (c *Client) Revoke(ctx context.Context, kref string) error {
	var out RevokeResponse
	return c.do(ctx, http.MethodPost, PathRevoke, RevokeRequest{Kref: kref}, &out)
}

// Release drops the host's references to kref; it returns how many there
// were.
func (c *Client) Release(ctx context.Context, kref string) (int64, error) {
	var out ReleaseResponse
	err := c.do(ctx, http.MethodPost, PathRelease, ReleaseRequest{Kref: kref}, &out)
	return out.Released, err
}

// IssueURL returns an ocap URL for the object kref.
func (c *Client) IssueURL(ctx context.Context, kref string) (string, error) {
	var out IssueURLResponse
	err := c.do(ctx, http.MethodPost, PathIssueURL, IssueURLRequest{Kref: kref}, &out)
	return out.URL, err
}

// RedeemURL returns the kref of the object an ocap URL names.
func (c *Client) RedeemURL(ctx context.Context, url string) (string, error) {
	var out RedeemURLResponse
	err := c.do(ctx, http.MethodPost, PathRedeemURL, RedeemURLRequest{URL: url}, &out)
	return out.Kref, err
}

// IsRevoked reports whether the object kref was revoked.
func (c *Client) IsRevoked(ctx context.Context, kref string) (bool, error) {
	var out RevokeResponse
	if err := c.do(ctx, http.MethodGet, PathRevoked+"?kref="+url.QueryEscape(kref), nil, &out); err != nil {
		return false, err
	}
	return out.Revoked, nil
}

// UpgradeVat gives vat id new code from source, a path the daemon reads,
// over the same baggage and durable objects.
func (c *Client) UpgradeVat(ctx context.Context, id, source string) error {
	var out UpgradeVatResponse
	return c.do(ctx, http.MethodPost, PathUpgradeVat, UpgradeVatRequest{VatID: id, Source: source}, &out)
}

// RestartVat gives the vat id a fresh worker, rebuilt from its baggage.
func (c *Client) RestartVat(ctx context.Context, id string) error {
	var out RestartVatResponse
	return c.do(ctx, http.MethodPost, PathRestartVat, RestartVatRequest{VatID: id}, &out)
}

// TerminateVat ends the vat id, one vat of a subcluster, and returns once
// its worker has exited.
func (c *Client) TerminateVat(ctx context.Context, id string) error {
	var out TerminateVatResponse
	return c.do(ctx, http.MethodPost, PathTerminateVat, TerminateVatRequest{VatID: id}, &out)
}

// Reset stops every vat and wipes all kernel state. For debugging.
func (c *Client) Reset(ctx context.Context) error {
	var out ResetResponse
	return c.do(ctx, http.MethodPost, PathReset, struct{}{}, &out)
}

// Stop asks the daemon to stop and returns once it has acknowledged; the
// answer carries the daemon's pid, for callers that wait for it to exit.
func (c *Client) Stop(ctx context.Context) (*StopResponse, error) {
	var out StopResponse
	if err := c.do(ctx, http.MethodPost, PathStop, struct{}{}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// do sends one request and decodes the answer into out, or returns the
// daemon's *Error.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding request for %s: %w", path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://kernel"+path, body)
	if err != nil {
		return fmt.Errorf("building request for %s: %w", path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.connError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("reading the answer of the kernel daemon at %s: %w", c.Socket, err)
	}
	if resp.StatusCode >= 300 {
		return c.answerError(resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decoding the answer of the kernel daemon at %s: %w", c.Socket, err)
	}
	return nil
}

// answerError is the error a failed answer carries: the daemon's *Error,
// or what came instead.
func (c *Client) answerError(status int, data []byte) error {
	var er ErrorResponse
	if json.Unmarshal(data, &er) == nil && er.Error != nil && er.Error.Code != "" {
		er.Error.Status = status
		return er.Error
	}
	return fmt.Errorf("unexpected answer from %s: HTTP %d: %s", c.Socket, status, bytes.TrimSpace(data))
}

// stream GETs path and returns the body of a successful answer, to read
// as it comes; the caller closes it.
func (c *Client) stream(ctx context.Context, path string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://kernel"+path, nil)
	if err != nil {
		return nil, fmt.Errorf("building request for %s: %w", path, err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.connError(err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		return nil, c.answerError(resp.StatusCode, data)
	}
	return resp.Body, nil
}

// connError says why the daemon could not be reached, and what to do.
func (c *Client) connError(err error) error {
	switch {
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w at %s: start one with 'kernel serve'", ErrNoDaemon, c.Socket)
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return fmt.Errorf("cannot connect to the kernel daemon at %s: %w (only the user running 'kernel serve' may use its socket)", c.Socket, syscall.EACCES)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("the kernel daemon at %s did not answer in time: %w", c.Socket, context.DeadlineExceeded)
	}
	return fmt.Errorf("calling the kernel daemon at %s: %w", c.Socket, err)
}
