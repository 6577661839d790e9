package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap"
)

// maxBody bounds a request body: the largest legitimate one is a send with
// its arguments, far below this.
const maxBody = 1 << 20

// pingTimeout bounds a ping: a worker that does not answer within it is
// reported rather than holding the request forever.
const pingTimeout = 30 * time.Second

// ServerOptions configure a Server.
type ServerOptions struct {
	// Logger receives one debug line per request and the failures that are
	// the daemon's fault. Defaults to a null logger.
	Logger hclog.Logger
	// Stop is called when a client asks the daemon to stop; the daemon then
	// stops its kernel and exits. It is called at most once. Defaults to
	// nothing (POST /v1/stop is acknowledged and ignored).
	Stop func()
	// VatLogs, when set, answers GET /v1/logs. Defaults to none.
	VatLogs *VatLogs
}

// Server answers the control API for one kernel. It is created before the
// kernel exists so that the daemon can listen while it restores its state:
// until Ready, every endpoint but stop answers STARTING; after Stopping,
// every endpoint answers STOPPING.
type Server struct {
	log      hclog.Logger
	stopOnce sync.Once
	stop     func()
	routes   map[string]route
	vatLogs  *VatLogs

	mu       sync.Mutex
	k        *ocap.Kernel
	stopping bool
}

// route is one endpoint: its HTTP method and what it does. A handler
// returns the response body, or an error (an *Error, or a kernel error that
// errorFor classifies).
type route struct {
	method string
	handle func(w http.ResponseWriter, r *http.Request) (any, error)
}

// NewServer returns a Server that answers STARTING until Ready is called.
func NewServer(opts ServerOptions) *Server {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Stop == nil {
		opts.Stop = func() {}
	}
	s := &Server{log: opts.Logger, stop: opts.Stop, vatLogs: opts.VatLogs}
	s.routes = map[string]route{
		PathStatus:       {http.MethodGet, s.status},
		PathSubclusters:  {http.MethodGet, s.subclusters},
		PathSystemRoot:   {http.MethodGet, s.systemRoot},
		PathLaunch:       {http.MethodPost, s.launch},
		PathSend:         {http.MethodPost, s.send},
		PathTerminate:    {http.MethodPost, s.terminate},
		PathPingVat:      {http.MethodPost, s.pingVat},
		PathRevoke:       {http.MethodPost, s.revoke},
		PathIssueURL:     {http.MethodPost, s.issueURL},
		PathRedeemURL:    {http.MethodPost, s.redeemURL},
		PathRevoked:      {http.MethodGet, s.revoked},
		PathRelease:      {http.MethodPost, s.release},
		PathRestartVat:   {http.MethodPost, s.restartVat},
		PathUpgradeVat:   {http.MethodPost, s.upgradeVat},
		PathTerminateVat: {http.MethodPost, s.terminateVat},
		PathReset:        {http.MethodPost, s.reset},
		PathStop:         {http.MethodPost, s.stopDaemon},
	}
	return s
}

// Ready hands the server its kernel: from now on requests reach it.
func (s *Server) Ready(k *ocap.Kernel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.k = k
}

// Stopping makes every later request but stop answer STOPPING, so nothing
// new reaches a kernel that is shutting down.
func (s *Server) Stopping() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping = true
}

func (s *Server) kernel() (*ocap.Kernel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stopping:
		return nil, errStopping()
	case s.k == nil:
		return nil, &Error{Code: CodeStarting, Message: "the kernel is starting: its subclusters and system subclusters are not ready yet; try again shortly"}
	}
	return s.k, nil
}

func errStopping() *Error {
	return &Error{Code: CodeStopping, Message: "the kernel daemon is stopping"}
}

// ServeHTTP routes a request to its endpoint and writes the JSON answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.URL.Path == PathLogs && r.Method == http.MethodGet {
		// A stream, written as it goes; an error comes before any line.
		if err := s.logs(w, r); err != nil {
			e := errorFor(err)
			writeJSON(w, e.statusCode(), ErrorResponse{Error: e})
		}
		return
	}
	rt, ok := s.routes[r.URL.Path]
	var body any
	var err error
	switch {
	case !ok:
		err = &Error{Code: CodeNotFound, Message: fmt.Sprintf("no endpoint %s %s", r.Method, r.URL.Path)}
	case r.Method != rt.method:
		w.Header().Set("Allow", rt.method)
		err = &Error{Code: CodeMethodNotAllowed, Message: fmt.Sprintf("%s takes %s, not %s", r.URL.Path, rt.method, r.Method)}
	default:
		body, err = rt.handle(w, r)
	}
	status := http.StatusOK
	if r.URL.Path == PathStop && err == nil {
		status = http.StatusAccepted
	}
	if err != nil {
		e := errorFor(err)
		status = e.statusCode()
		body = ErrorResponse{Error: e}
		// A client that went away (a send it gave up on) is not a failure.
		if status >= 500 && e.Code != CodeStarting && e.Code != CodeStopping && r.Context().Err() == nil {
			s.log.Error("control request failed", "method", r.Method, "path", r.URL.Path, "code", e.Code, "error", e.Message)
		}
	}
	writeJSON(w, status, body)
	s.log.Debug("control request", "method", r.Method, "path", r.URL.Path, "status", status, "duration", time.Since(start))
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body) // the client may be gone; nothing to do about it
}

// errorFor turns a handler's error into the wire error: kernel sentinel
// errors get their code, anything else is INTERNAL.
func errorFor(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	code := CodeInternal
	switch {
	case errors.Is(err, ocap.ErrUnknownKref):
		code = CodeUnknownKref
	case errors.Is(err, ocap.ErrUnknownVat):
		code = CodeUnknownVat
	case errors.Is(err, ocap.ErrUnknownSubcluster):
		code = CodeUnknownSubcluster
	case errors.Is(err, ocap.ErrNotHeld):
		code = CodeNotHeld
	case errors.Is(err, ocap.ErrNoRemoteComms):
		code = CodeNoRemoteComms
	case errors.Is(err, ocap.ErrBadURL):
		code = CodeBadURL
	case errors.Is(err, ocap.ErrUnknownURL):
		code = CodeUnknownURL
	case errors.Is(err, ocap.ErrStopped):
		return errStopping()
	}
	return &Error{Code: code, Message: err.Error()}
}

// withCode gives err the code unless it already has a more specific one.
func withCode(err error, code string) error {
	if e := errorFor(err); e.Code != CodeInternal {
		return e
	}
	return &Error{Code: code, Message: err.Error()}
}

func (e *Error) statusCode() int {
	if st, ok := httpStatus[e.Code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

func badRequest(format string, args ...any) error {
	return &Error{Code: CodeBadRequest, Message: fmt.Sprintf(format, args...)}
}

// decodeBody reads exactly one JSON object into v, refusing unknown fields
// so that a misspelt field is an error rather than silently ignored.
// checkedRequest is a request body that can say what is missing from it.
type checkedRequest interface{ check() error }

// decode reads and checks a request body, then finds the kernel: the
// first steps of every POST endpoint that takes a body.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, req checkedRequest) (*ocap.Kernel, error) {
	if err := decodeBody(w, r, req); err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	return s.kernel()
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return badRequest("empty request body: expected a JSON object")
		}
		return badRequest("malformed JSON body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("malformed JSON body: more than one JSON value")
	}
	return nil
}

func (s *Server) status(_ http.ResponseWriter, r *http.Request) (any, error) {
	k, err := s.kernel()
	if err != nil {
		return nil, err
	}
	return k.GetStatus(r.Context())
}

func (s *Server) subclusters(_ http.ResponseWriter, r *http.Request) (any, error) {
	k, err := s.kernel()
	if err != nil {
		return nil, err
	}
	st, err := k.GetStatus(r.Context())
	if err != nil {
		return nil, err
	}
	return st.Subclusters, nil
}

func (s *Server) systemRoot(_ http.ResponseWriter, r *http.Request) (any, error) {
	name := r.URL.Query().Get("name")
	if name == "" {
		return nil, badRequest("missing ?name=NAME: the name of a system subcluster")
	}
	k, err := s.kernel()
	if err != nil {
		return nil, err
	}
	root, err := k.GetSystemSubclusterRoot(name)
	if err != nil {
		// The only failure besides a stopped kernel is "no such name".
		return nil, withCode(err, CodeUnknownSystem)
	}
	return SystemRootResponse{Name: name, RootKref: root}, nil
}

func (s *Server) launch(w http.ResponseWriter, r *http.Request) (any, error) {
	var req LaunchRequest
	k, err := s.decode(w, r, &req)
	if err != nil {
		return nil, err
	}
	cfg, err := ocap.LoadClusterConfig(req.Path)
	if err != nil {
		return nil, &Error{Code: CodeBadClusterConfig, Message: err.Error()}
	}
	res, err := k.LaunchSubcluster(r.Context(), cfg)
	if err != nil {
		return nil, withCode(err, CodeLaunchFailed)
	}
	boot := json.RawMessage("null")
	if res.BootstrapResult != nil {
		if boot, err = JSONForm(*res.BootstrapResult); err != nil {
			return nil, err
		}
	}
	s.log.Info("launched subcluster", "subcluster", res.SubclusterID, "root", res.RootKref, "config", req.Path)
	return LaunchResponse{SubclusterID: res.SubclusterID, RootKref: res.RootKref, BootstrapResult: boot}, nil
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) (any, error) {
	var req SendRequest
	k, err := s.decode(w, r, &req)
	if err != nil {
		return nil, err
	}
	args, err := argValues(req.Args)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	if req.TimeoutMs > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(req.TimeoutMs)*time.Millisecond)
		defer cancel()
	}
	out, err := k.QueueMessage(ctx, req.Kref, req.Method, args)
	var re *ocap.RemoteError
	switch {
	case errors.As(err, &re):
		rej, jerr := JSONForm(re.Data)
		if jerr != nil {
			rej = nil
		}
		return nil, &Error{Code: CodeRejected, Message: fmt.Sprintf("%s rejected: %s", req.Method, re.Error()), Rejection: rej}
	case errors.Is(err, context.DeadlineExceeded):
		return nil, &Error{Code: CodeTimeout, Message: fmt.Sprintf("no result from %s.%s within %v; the message stays queued", req.Kref, req.Method, time.Duration(req.TimeoutMs)*time.Millisecond)}
	case err != nil:
		return nil, err
	}
	res, err := JSONForm(out)
	if err != nil {
		return nil, err
	}
	return SendResponse{Result: res}, nil
}

func (s *Server) terminate(w http.ResponseWriter, r *http.Request) (any, error) {
	var req TerminateRequest
	k, err := s.decode(w, r, &req)
	if err != nil {
		return nil, err
	}
	if err := k.TerminateSubcluster(r.Context(), req.SubclusterID); err != nil {
		return nil, err
	}
	s.log.Info("terminated subcluster", "subcluster", req.SubclusterID)
	return TerminateResponse{SubclusterID: req.SubclusterID, Terminated: true}, nil
}

func (s *Server) pingVat(w http.ResponseWriter, r *http.Request) (any, error) {
	var req PingVatRequest
	k, err := s.decode(w, r, &req)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(r.Context(), pingTimeout)
	defer cancel()
	pong, err := k.PingVat(ctx, req.VatID)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, &Error{Code: CodeTimeout, Message: fmt.Sprintf("vat %s did not answer a ping within %v", req.VatID, pingTimeout)}
	}
	if err != nil {
		return nil, err
	}
	return PingVatResponse{VatID: req.VatID, Result: pong}, nil
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) (any, error) {
	var req RevokeRequest
	k, err := s.decode(w, r, &req)
	if err != nil {
		return nil, err
	}
	if err := k.Revoke(r.Context(), req.Kref); err != nil {
		return nil, err
	}
	s.log.Info("revoked object", "kref", req.Kref)
	return RevokeResponse{Kref: req.Kref, Revoked: true}, nil
}

func (s *Server) issueURL(w http.ResponseWriter, r *http.Request) (any, error) {
	var req IssueURLRequest
	k, err := s.decode(w, r, &req)
	if err != nil {
		return nil, err
	}
	url, err := k.IssueURL(r.Context(), req.Kref)
	if err != nil {
		return nil, err
	}
	s.log.Info("issued an ocap URL", "kref", req.Kref)
	return IssueURLResponse{Kref: req.Kref, URL: url}, nil
}

func (s *Server) redeemURL(w http.ResponseWriter, r *http.Request) (any, error) {
	var req RedeemURLRequest
	k, err := s.decode(w, r, &req)
	if err != nil {
		return nil, err
	}
	kref, err := k.RedeemURL(r.Context(), req.URL)
	if err != nil {
		return nil, err
	}
	return RedeemURLResponse{URL: req.URL, Kref: kref}, nil
}

func (s *Server) revoked(_ http.ResponseWriter, r *http.Request) (any, error) {
	kref := r.URL.Query().Get("kref")
	if kref == "" {
		return nil, badRequest("missing ?kref=KREF: an object, like ko12")
	}
	k, err := s.kernel()
	if err != nil {
		return nil, err
	}
	revoked, err := k.IsRevoked(r.Context(), kref)
	if err != nil {
		return nil, err
	}
	return RevokeResponse{Kref: kref, Revoked: revoked}, nil
}

func (s *Server) release(w http.ResponseWriter, r *http.Request) (any, error) {
	var req ReleaseRequest
	k, err := s.decode(w, r, &req)
	if err != nil {
		return nil, err
	}
	n, err := k.Release(r.Context(), req.Kref)
	if err != nil {
		return nil, err
	}
	s.log.Info("released the host's references", "kref", req.Kref, "count", n)
	return ReleaseResponse{Kref: req.Kref, Released: n}, nil
}

func (s *Server) restartVat(w http.ResponseWriter, r *http.Request) (any, error) {
	var req RestartVatRequest
	k, err := s.decode(w, r, &req)
	if err != nil {
		return nil, err
	}
	if err := k.RestartVat(r.Context(), req.VatID); err != nil {
		return nil, err
	}
	s.log.Info("restarted vat", "vat", req.VatID)
	return RestartVatResponse{VatID: req.VatID, Restarted: true}, nil
}

func (s *Server) upgradeVat(w http.ResponseWriter, r *http.Request) (any, error) {
	var req UpgradeVatRequest
	k, err := s.decode(w, r, &req)
	if err != nil {
		return nil, err
	}
	if err := k.UpgradeVat(r.Context(), req.VatID, req.Source); err != nil {
		return nil, withCode(err, CodeUpgradeFailed)
	}
	s.log.Info("upgraded vat", "vat", req.VatID, "source", req.Source)
	return UpgradeVatResponse{VatID: req.VatID, Upgraded: true}, nil
}

func (s *Server) terminateVat(w http.ResponseWriter, r *http.Request) (any, error) {
	var req TerminateVatRequest
	k, err := s.decode(w, r, &req)
	if err != nil {
		return nil, err
	}
	if err := k.TerminateVat(r.Context(), req.VatID); err != nil {
		return nil, err
	}
	s.log.Info("terminated vat", "vat", req.VatID)
	return TerminateVatResponse{VatID: req.VatID, Terminated: true}, nil
}

// reset wipes the kernel, for debugging. Like stop, it ignores its body.
func (s *Server) reset(_ http.ResponseWriter, r *http.Request) (any, error) {
	k, err := s.kernel()
	if err != nil {
		return nil, err
	}
	if err := k.Reset(r.Context()); err != nil {
		return nil, err
	}
	s.log.Warn("kernel reset through the control API: every vat stopped, all state wiped")
	return ResetResponse{Reset: true}, nil
}

// stopDaemon acknowledges at once: the daemon stops after the answer is
// written, and the client waits for the process to go away.
func (s *Server) stopDaemon(_ http.ResponseWriter, r *http.Request) (any, error) {
	s.log.Info("stop requested through the control API")
	s.stopOnce.Do(s.stop)
	return StopResponse{Stopping: true, PID: os.Getpid()}, nil
}

func (req *LaunchRequest) check() error {
	switch {
	case req.Path == "":
		return badRequest(`missing "path": the absolute path of a cluster config file`)
	case !filepath.IsAbs(req.Path):
		return badRequest("path %q is not absolute: the daemon does not share the client's working directory", req.Path)
	}
	return nil
}

func (req *SendRequest) check() error {
	switch {
	case req.Kref == "":
		return badRequest(`missing "kref": the object or promise to send to, like "ko12"`)
	case req.Method == "":
		return badRequest(`missing "method"`)
	case req.TimeoutMs < 0:
		return badRequest(`"timeoutMs" is negative`)
	}
	return nil
}

func (req *TerminateRequest) check() error {
	return need("subclusterId", req.SubclusterID, `, like "s1"`)
}
func (req *PingVatRequest) check() error { return need("vatId", req.VatID, `, like "v1"`) }
func (req *RestartVatRequest) check() error {
	return need("vatId", req.VatID, `, like "v1"`)
}
func (req *UpgradeVatRequest) check() error {
	if err := need("vatId", req.VatID, `, like "v1"`); err != nil {
		return err
	}
	return need("source", req.Source, `: the path of the vat's new source or bundle`)
}
func (req *TerminateVatRequest) check() error {
	return need("vatId", req.VatID, `, like "v1"`)
}
func (req *RevokeRequest) check() error {
	return need("kref", req.Kref, `: the object to revoke, like "ko12"`)
}

func (req *ReleaseRequest) check() error {
	return need("kref", req.Kref, `: the object or promise to release, like "ko12"`)
}

// need refuses a request whose field is empty.
func need(field, value, hint string) error {
	if value == "" {
		return badRequest("missing %q%s", field, hint)
	}
	return nil
}

func (req *IssueURLRequest) check() error { return need("kref", req.Kref, `, like "ko12"`) }
func (req *RedeemURLRequest) check() error {
	return need("url", req.URL, `, like "ocap:TOKEN@PEER_ID,HINT"`)
}
