package supervisor

import (
	"context"
	"errors"
	"io"
	"math"
	"net"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/ocapgo/ocap/proto/frame"
	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/supervisor/handshake"
)

// server serves the Worker service: the one stream the kernel opens for the
// life of the worker.
type server struct {
	workerpb.UnimplementedWorkerServer
	logger  hclog.Logger
	vat     *vatLoop
	claimed atomic.Bool
	ended   chan struct{}
	// frames, if set, carries the stream's messages once the kernel has
	// seen this worker agree to it (see package frame).
	frames net.Conn
}

func newServer(logger hclog.Logger, vat *vatLoop, frames net.Conn) *server {
	return &server{logger: logger, vat: vat, ended: make(chan struct{}), frames: frames}
}

// messages is the worker's side of the stream: the gRPC stream itself or
// the frames socket.
type messages interface {
	Send(*workerpb.WorkerMessage) error
	Recv() (*workerpb.Delivery, error)
}

// useFrames tells the kernel this worker carries the stream on its frames
// socket, which from then on lives as long as the gRPC stream.
func (s *server) useFrames(stream grpc.BidiStreamingServer[workerpb.Delivery, workerpb.WorkerMessage]) (messages, error) {
	if s.frames == nil {
		return stream, nil
	}
	if err := stream.SendHeader(metadata.Pairs(handshake.FramesHeader, "1")); err != nil {
		return nil, err
	}
	context.AfterFunc(stream.Context(), func() { _ = s.frames.Close() })
	// The kernel enforces its size limit on what it receives; what it
	// sends (a StartVat with its bundle) may be large.
	return frame.New[*workerpb.WorkerMessage](s.frames, math.MaxInt32, math.MaxInt32, newDelivery), nil
}

func newDelivery() *workerpb.Delivery { return new(workerpb.Delivery) }

// Stream receives deliveries and queues them for the vat goroutine, which
// answers each on the same stream. The worker serves a single stream: when it
// ends, the kernel is done with this worker.
func (s *server) Stream(stream grpc.BidiStreamingServer[workerpb.Delivery, workerpb.WorkerMessage]) error {
	if !s.claimed.CompareAndSwap(false, true) {
		return status.Error(codes.FailedPrecondition, "this vat worker already serves a kernel stream")
	}
	defer close(s.ended)
	// The vat ends with its stream: closing it right away runs the
	// endowments' teardown (timers, requests, body streams) before the
	// kernel's kill arrives.
	defer s.vat.close(closeLimit)

	msgs, err := s.useFrames(stream)
	if err != nil {
		return err
	}
	out := &sender{stream: msgs, logger: s.logger}
	defer out.close()
	ctx := stream.Context()
	go s.forwardWantCrank(ctx, out)
	sendRead := func(req *workerpb.VatstoreRead) error {
		return out.send(&workerpb.WorkerMessage{Kind: &workerpb.WorkerMessage_Read{Read: req}})
	}
	s.vat.sendRead.Store(&sendRead)

	for {
		d, err := msgs.Recv()
		if errors.Is(err, io.EOF) {
			s.logger.Debug("kernel closed the stream")
			return nil
		}
		if status.Code(err) == codes.Canceled || ctx.Err() != nil {
			s.logger.Debug("kernel cancelled the stream")
			return err
		}
		if err != nil {
			// Logged as an error so that it is among the stderr lines
			// the kernel quotes when this worker exits.
			s.logger.Error("kernel stream failed", "error", err)
			return err
		}
		if rr := d.GetReadResult(); rr != nil {
			select {
			case s.vat.readResults <- rr:
				continue
			default:
				s.logger.Error("the kernel answered a vatstore read nobody asked for")
				return status.Error(codes.FailedPrecondition, "unexpected vatstore read result")
			}
		}
		select {
		case s.vat.jobs <- job{d: d, reply: out.result}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// forwardWantCrank tells the kernel, once per request burst, that the vat has
// syscalls waiting from outside a delivery.
func (s *server) forwardWantCrank(ctx context.Context, out *sender) {
	msg := &workerpb.WorkerMessage{Kind: &workerpb.WorkerMessage_WantCrank{WantCrank: &workerpb.WantCrank{}}}
	for {
		select {
		case <-s.vat.wantCrank:
			if err := out.send(msg); err != nil {
				return
			}
		case <-ctx.Done():
			return
		}
	}
}

// sender serialises sends on the stream: results come from the vat
// goroutine, WantCrank from the forwarder, and a gRPC stream allows one
// sender at a time. Once the handler has returned, sends are dropped.
type sender struct {
	mu     sync.Mutex
	stream messages
	logger hclog.Logger
	closed bool
}

var errStreamClosed = errors.New("kernel stream closed")

func (s *sender) send(m *workerpb.WorkerMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errStreamClosed
	}
	return s.stream.Send(m)
}

func (s *sender) result(r *workerpb.DeliveryResult) {
	err := s.send(&workerpb.WorkerMessage{Kind: &workerpb.WorkerMessage_Result{Result: r}})
	if err != nil {
		s.logger.Debug("cannot send a delivery result", "delivery", r.GetId(), "error", err)
	}
}

func (s *sender) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}
