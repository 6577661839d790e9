package platform

import (
	"context"
	"errors"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/ocapgo/ocap/proto/workerpb"
)

var _ plugin.GRPCPlugin = workerPlugin{}

// workerPlugin is the kernel side of the go-plugin glue: it turns the
// connection to a worker into a Worker client.
type workerPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

// GRPCServer is not offered here: the Worker service is in package supervisor.
func (workerPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("platform: the Worker service is served by package supervisor")
}

// GRPCClient returns a workerpb.WorkerClient.
func (workerPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return workerpb.NewWorkerClient(c), nil
}
