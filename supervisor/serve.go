package supervisor

import (
	"math"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/ocapgo/ocap/proto/frame"
	"github.com/ocapgo/ocap/supervisor/handshake"
)

// parentPoll is how often a worker checks that the kernel is still its
// parent. Pdeathsig normally kills a worker with its kernel; this catches
// the cases it misses.
const parentPoll = 500 * time.Millisecond

// Serve runs a vat-worker: it answers the kernel's go-plugin handshake on
// stdout, serves the kernel's stream, and returns when the kernel closes the
// stream or is gone. The caller then exits with status 0. The StartVat
// delivery first puts the process in its OS sandbox (package sandbox), for
// good: code run by the caller after Serve stays confined.
func Serve(opts Options) {
	opts = opts.withDefaults()
	p := newPlugin(opts, confineWorker(opts.Logger), framesConn(opts.Logger))
	defer p.Close()

	servers := make(chan *grpc.Server, 1)
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	parentGone := watchParent(stopWatch, parentPoll, os.Getppid)
	go func() {
		select {
		case <-p.Done():
		case <-parentGone:
			opts.Logger.Warn("the kernel process is gone; exiting")
		case <-stopWatch:
			return
		}
		// Stopping the server makes plugin.Serve return.
		select {
		case s := <-servers:
			s.Stop()
		case <-stopWatch:
		}
	}()

	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: handshake.Config,
		Plugins:         plugin.PluginSet{handshake.PluginName: p},
		GRPCServer: func(o []grpc.ServerOption) *grpc.Server {
			// A StartVat carries the whole bundle and vatstore: lift
			// gRPC's 4 MB default, as the kernel side does.
			s := grpc.NewServer(append(o, grpc.MaxRecvMsgSize(math.MaxInt32))...)
			servers <- s
			return s
		},
		Logger: opts.Logger,
	})
}

// framesConn opens the frames socket the kernel handed this worker, if any.
// Without it the worker serves its messages on the gRPC stream.
func framesConn(logger hclog.Logger) net.Conn {
	v, ok := os.LookupEnv(handshake.FramesFDEnv)
	if !ok {
		return nil
	}
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		logger.Warn("ignoring a bad frames socket", "env", handshake.FramesFDEnv, "value", v)
		return nil
	}
	conn, err := frame.FileConn(uintptr(fd), "kernel frames")
	if err != nil {
		logger.Warn("cannot use the frames socket; serving on the gRPC stream", "error", err)
		return nil
	}
	return conn
}

// watchParent closes the returned channel when getppid's answer changes:
// the process that started the worker has died and it was re-parented.
func watchParent(stop <-chan struct{}, every time.Duration, getppid func() int) <-chan struct{} {
	gone := make(chan struct{})
	first := getppid()
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if getppid() != first {
					close(gone)
					return
				}
			case <-stop:
				return
			}
		}
	}()
	return gone
}
