package supervisor

import (
	"context"
	"errors"
	"net"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/ocapgo/ocap/proto/workerpb"
)

var _ plugin.GRPCPlugin = (*Plugin)(nil)

// closeLimit bounds how long a worker waits for its runtime to close before
// exiting anyway.
const closeLimit = 100 * time.Millisecond

// Plugin is the worker side of the go-plugin glue: it serves the Worker
// service for one vat. Serve uses it; tests use it to run a worker in-process.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	srv *server
}

// NewPlugin starts the vat goroutine, which builds the runtime right away.
// It serves in the caller's own process, which it leaves unconfined: Serve
// is what puts a worker process in its OS sandbox.
func NewPlugin(opts Options) *Plugin { return newPlugin(opts, nil, nil) }

// newPlugin serves the stream's messages on frames, if it is not nil.
func newPlugin(opts Options, confine func(*workerpb.StartVat) *workerpb.Sandbox, frames net.Conn) *Plugin {
	opts = opts.withDefaults()
	vat := startVat(opts.Logger, opts.NewRuntime, confine)
	return &Plugin{srv: newServer(opts.Logger, vat, frames)}
}

// GRPCServer registers the Worker service.
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	workerpb.RegisterWorkerServer(s, p.srv)
	return nil
}

// GRPCClient is not offered here: the kernel's side is package platform.
func (p *Plugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, errors.New("supervisor: the Worker client is in package platform")
}

// Done is closed when the kernel's stream has ended.
func (p *Plugin) Done() <-chan struct{} { return p.srv.ended }

// Close closes the vat runtime, waiting for it only briefly.
func (p *Plugin) Close() { p.srv.vat.close(closeLimit) }
