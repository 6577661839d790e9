// Package control is the kernel daemon's control API: HTTP+JSON over a
// unix socket, one endpoint per host-API call. `kernel serve` runs a Server
// in front of its kernel; the client verbs of the `kernel` command, and any
// other program, talk to it through a Client. docs/control-api.md lists
// every endpoint with an example.
//
// Values cross the API in the command line's JSON form (see marshal.ToJSON
// and marshal.FromJSON): plain JSON, with a remotable written as
// {"@kref":"ko12","@iface":"Alleged: root"}, and {"@kref":"ko12"} accepted
// as a reference in arguments.
package control

import (
	"encoding/json"
	"net/http"

	"github.com/ocapgo/ocap"
)

// The endpoints. Reads are GET; everything that acts is POST with a JSON
// body.
const (
	PathStatus       = "/v1/status"        // GET
	PathSubclusters  = "/v1/subclusters"   // GET
	PathSystemRoot   = "/v1/system-root"   // GET ?name=NAME
	PathLaunch       = "/v1/launch"        // POST LaunchRequest
	PathSend         = "/v1/send"          // POST SendRequest
	PathTerminate    = "/v1/terminate"     // POST TerminateRequest
	PathPingVat      = "/v1/ping-vat"      // POST PingVatRequest
	PathRevoke       = "/v1/revoke"        // POST RevokeRequest
	PathRevoked      = "/v1/revoked"       // GET ?kref=KREF
	PathRelease      = "/v1/release"       // POST ReleaseRequest
	PathRestartVat   = "/v1/restart-vat"   // POST RestartVatRequest
	PathTerminateVat = "/v1/terminate-vat" // POST TerminateVatRequest
	PathUpgradeVat   = "/v1/upgrade-vat"   // POST UpgradeVatRequest
	PathReset        = "/v1/reset"         // POST, empty body or {}
	PathStop         = "/v1/stop"          // POST, empty body or {}
	PathLogs         = "/v1/logs"          // GET ?vat=V|subcluster=S&since=TIME&follow=true: JSON lines
	PathIssueURL     = "/v1/issue-url"     // POST IssueURLRequest
	PathRedeemURL    = "/v1/redeem-url"    // POST RedeemURLRequest
)

// LaunchRequest asks the daemon to launch the cluster config file at Path.
// The daemon reads the file itself (ocap.LoadClusterConfig), so relative
// sourceSpec and bundleSpec paths resolve against the file's folder; Path
// must therefore be absolute, as the daemon's working directory is not the
// client's.
type LaunchRequest struct {
	Path string `json:"path"`
}

// LaunchResponse is the launch result; BootstrapResult is the decoded
// result of bootstrap() in JSON form.
type LaunchResponse struct {
	SubclusterID    string          `json:"subclusterId"`
	RootKref        string          `json:"rootKref"`
	BootstrapResult json.RawMessage `json:"bootstrapResult"`
}

// SendRequest sends Method(Args...) to Kref and waits for the result to
// settle. Args are in JSON form. TimeoutMs bounds the wait on the daemon's
// side (0: until the client goes away); the message itself stays queued.
type SendRequest struct {
	Kref      string            `json:"kref"`
	Method    string            `json:"method"`
	Args      []json.RawMessage `json:"args,omitempty"`
	TimeoutMs int64             `json:"timeoutMs,omitempty"`
}

// SendResponse holds the fulfilled result in JSON form. A rejection is an
// error with code REJECTED instead.
type SendResponse struct {
	Result json.RawMessage `json:"result"`
}

// StatusResponse is exactly what ocap.Kernel.GetStatus returns.
type StatusResponse = ocap.KernelStatus

// SubclustersResponse is the subclusters part of the status.
type SubclustersResponse = []ocap.SubclusterStatus

// SystemRootResponse names the root object of a system subcluster.
type SystemRootResponse struct {
	Name     string `json:"name"`
	RootKref string `json:"rootKref"`
}

// TerminateRequest names the subcluster to terminate.
type TerminateRequest struct {
	SubclusterID string `json:"subclusterId"`
}

// TerminateResponse confirms a termination.
type TerminateResponse struct {
	SubclusterID string `json:"subclusterId"`
	Terminated   bool   `json:"terminated"`
}

// PingVatRequest names the vat to ping.
type PingVatRequest struct {
	VatID string `json:"vatId"`
}

// PingVatResponse carries the vat's answer, "pong".
type PingVatResponse struct {
	VatID  string `json:"vatId"`
	Result string `json:"result"`
}

// RevokeRequest names the object to revoke.
type RevokeRequest struct {
	Kref string `json:"kref"`
}

// RevokeResponse says whether Kref is revoked: the answer of a revoke
// (always true) and of a revoked query.
type RevokeResponse struct {
	Kref    string `json:"kref"`
	Revoked bool   `json:"revoked"`
}

// ReleaseRequest names the kref whose host references to drop.
type ReleaseRequest struct {
	Kref string `json:"kref"`
}

// ReleaseResponse says how many references the host held on Kref.
type ReleaseResponse struct {
	Kref     string `json:"kref"`
	Released int64  `json:"released"`
}

// IssueURLRequest names the object to issue an ocap URL for.
type IssueURLRequest struct {
	Kref string `json:"kref"`
}

// IssueURLResponse carries the ocap URL.
type IssueURLResponse struct {
	Kref string `json:"kref"`
	URL  string `json:"url"`
}

// RedeemURLRequest carries an ocap URL to redeem.
type RedeemURLRequest struct {
	URL string `json:"url"`
}

// RedeemURLResponse names the object the URL gave: on this kernel the
// object itself, else this kernel's reference to the other's object.
type RedeemURLResponse struct {
	URL  string `json:"url"`
	Kref string `json:"kref"`
}

// RestartVatRequest names the vat to restart.
type RestartVatRequest struct {
	VatID string `json:"vatId"`
}

// RestartVatResponse confirms a restart.
type RestartVatResponse struct {
	VatID     string `json:"vatId"`
	Restarted bool   `json:"restarted"`
}

// UpgradeVatRequest gives a vat new code: Source, a path the daemon reads
// (a source file, or a *.bundle.js from kernel bundle), as for a launch.
type UpgradeVatRequest struct {
	VatID  string `json:"vatId"`
	Source string `json:"source"`
}

// UpgradeVatResponse confirms an upgrade: the vat runs the new code.
type UpgradeVatResponse struct {
	VatID    string `json:"vatId"`
	Upgraded bool   `json:"upgraded"`
}

// TerminateVatRequest names the vat to terminate, one vat of a
// subcluster.
type TerminateVatRequest struct {
	VatID string `json:"vatId"`
}

// TerminateVatResponse confirms a termination: the vat's worker has exited.
type TerminateVatResponse struct {
	VatID      string `json:"vatId"`
	Terminated bool   `json:"terminated"`
}

// ResetResponse confirms a reset: every vat stopped, all state wiped.
type ResetResponse struct {
	Reset bool `json:"reset"`
}

// StopResponse acknowledges a stop: the daemon (process PID) is finishing
// its current crank, stopping its workers and exiting.
type StopResponse struct {
	Stopping bool `json:"stopping"`
	PID      int  `json:"pid"`
}

// ErrorResponse is the body of every failed request.
type ErrorResponse struct {
	Error *Error `json:"error"`
}

// Error codes: stable, for scripts and programs to branch on.
const (
	CodeBadRequest        = "BAD_REQUEST"               // 400: malformed body, missing or bad field
	CodeNotFound          = "NOT_FOUND"                 // 404: no such endpoint
	CodeMethodNotAllowed  = "METHOD_NOT_ALLOWED"        // 405
	CodeBadClusterConfig  = "BAD_CLUSTER_CONFIG"        // 400: the cluster file is missing or invalid
	CodeUnknownKref       = "UNKNOWN_KREF"              // 404: malformed or unknown kref
	CodeUnknownVat        = "UNKNOWN_VAT"               // 404
	CodeUnknownSubcluster = "UNKNOWN_SUBCLUSTER"        // 404
	CodeUnknownSystem     = "UNKNOWN_SYSTEM_SUBCLUSTER" // 404: no system subcluster of that name
	CodeNotHeld           = "NOT_HELD"                  // 409: a release of a kref the host does not hold, or of a subcluster's root
	CodeNoRemoteComms     = "NO_REMOTE_COMMS"           // 409: an ocap URL asked of a daemon without --remote-listen
	CodeBadURL            = "BAD_URL"                   // 400: a malformed ocap URL
	CodeUnknownURL        = "UNKNOWN_URL"               // 404: no object has that URL's token
	CodeLaunchFailed      = "LAUNCH_FAILED"             // 422: a vat did not start, bootstrap failed, ...
	CodeUpgradeFailed     = "UPGRADE_FAILED"            // 422: the new code did not build or start (the vat runs its old code)
	CodeRejected          = "REJECTED"                  // 422: the send's result was rejected
	CodeTimeout           = "TIMEOUT"                   // 504: no result within timeoutMs
	CodeStarting          = "STARTING"                  // 503: not ready yet; retry
	CodeStopping          = "STOPPING"                  // 503: the daemon is shutting down
	CodeInternal          = "INTERNAL"                  // 500: anything else
)

// httpStatus is the HTTP status each code is sent with.
var httpStatus = map[string]int{
	CodeBadRequest:        http.StatusBadRequest,
	CodeNotFound:          http.StatusNotFound,
	CodeMethodNotAllowed:  http.StatusMethodNotAllowed,
	CodeBadClusterConfig:  http.StatusBadRequest,
	CodeUnknownKref:       http.StatusNotFound,
	CodeUnknownVat:        http.StatusNotFound,
	CodeUnknownSubcluster: http.StatusNotFound,
	CodeUnknownSystem:     http.StatusNotFound,
	CodeNotHeld:           http.StatusConflict,
	CodeNoRemoteComms:     http.StatusConflict,
	CodeBadURL:            http.StatusBadRequest,
	CodeUnknownURL:        http.StatusNotFound,
	CodeUpgradeFailed:     http.StatusUnprocessableEntity,
	CodeLaunchFailed:      http.StatusUnprocessableEntity,
	CodeRejected:          http.StatusUnprocessableEntity,
	CodeTimeout:           http.StatusGatewayTimeout,
	CodeStarting:          http.StatusServiceUnavailable,
	CodeStopping:          http.StatusServiceUnavailable,
	CodeInternal:          http.StatusInternalServerError,
}

// Error is a failure reported by the daemon. Rejection, for code REJECTED,
// is the value the result was rejected with, in JSON form.
type Error struct {
	Code      string          `json:"code"`
	Message   string          `json:"message"`
	Rejection json.RawMessage `json:"rejection,omitempty"`
	// Status is the HTTP status the error came with (not sent on the wire).
	Status int `json:"-"`
}

func (e *Error) Error() string { return e.Message }
