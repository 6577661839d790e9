package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ocapgo/ocap/proto/frame"
	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/supervisor/handshake"
)

var (
	// errStreamBroken is the stream-level failure; a worker turns it into
	// ErrWorkerExited with the process's exit status.
	errStreamBroken = errors.New("worker stream broke")
	// errAbandoned means a delivery was sent but its caller stopped
	// waiting: the vat's state has moved on without the kernel.
	errAbandoned = errors.New("delivery abandoned")
)

// maxWantsPerSecond bounds the crank requests a worker's stream takes in at
// full speed; a worker only sends one per burst of outside-delivery work.
const maxWantsPerSecond = 1000

// messages is the kernel's side of the stream: the gRPC stream itself, or
// the frames socket the worker agreed to (see package frame).
type messages interface {
	Send(*workerpb.Delivery) error
	Recv() (*workerpb.WorkerMessage, error)
}

// kernelStream is the kernel's end of a worker's one stream: it sends a
// delivery, waits for the result with the same id, and passes WantCrank on.
type kernelStream struct {
	logger hclog.Logger
	stream messages
	cancel context.CancelFunc

	turn   chan struct{} // 1-buffered: held by the delivery in flight
	nextID uint64        // guarded by turn

	results   chan *workerpb.DeliveryResult // 1-buffered
	wantCrank chan struct{}                 // 1-buffered
	reads     chan *workerpb.VatstoreRead   // 1-buffered: a vat reads one at a time
	reader    atomic.Pointer[VatstoreReader]
	broken    chan struct{} // closed when receiving fails
	wants     *logBudget    // crank requests per second
	err       error         // why; set before broken closes
}

// openStream opens the stream, each message either way at most maxMessage
// bytes, and starts its receiving goroutine. frames is the worker's frames
// socket: used if the worker agrees, closed if not.
func openStream(client workerpb.WorkerClient, logger hclog.Logger, maxMessage int, frames net.Conn) (*kernelStream, error) {
	ctx, cancel := context.WithCancel(context.Background())
	// go-plugin lifts gRPC's limits to 2 GiB for the whole connection;
	// this stream's own options bring them back down.
	stream, err := client.Stream(ctx, grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("opening the worker stream: %w", err)
	}
	var msgs messages = stream
	if frames != nil {
		header, err := stream.Header()
		if err != nil {
			cancel()
			_ = frames.Close()
			return nil, fmt.Errorf("opening the worker stream: %w", err)
		}
		if !slices.Contains(header.Get(handshake.FramesHeader), "1") {
			_ = frames.Close() // a worker that serves the gRPC stream only
		} else {
			msgs = frame.New[*workerpb.Delivery](frames, maxMessage, maxMessage, newWorkerMessage)
			// Closing the socket with the stream ends the worker's side.
			stop := cancel
			cancel = func() { stop(); _ = frames.Close() }
		}
	}
	s := &kernelStream{
		logger:    logger,
		stream:    msgs,
		cancel:    cancel,
		turn:      make(chan struct{}, 1),
		results:   make(chan *workerpb.DeliveryResult, 1),
		wantCrank: make(chan struct{}, 1),
		reads:     make(chan *workerpb.VatstoreRead, 1),
		broken:    make(chan struct{}),
	}
	s.wants = newLogBudget(maxWantsPerSecond, func(over, _ int) {
		logger.Warn("worker floods the kernel with crank requests; its stream is slowed down", "over_limit", over,
			"limit", fmt.Sprintf("%d requests/s", maxWantsPerSecond))
	})
	go s.receive()
	return s, nil
}

// receive feeds results and WantCrank from the stream until it breaks.
func (s *kernelStream) receive() {
	defer close(s.broken)
	for {
		m, err := s.stream.Recv()
		if err != nil {
			if status.Code(err) == codes.ResourceExhausted || errors.Is(err, frame.ErrTooLarge) {
				s.err = fmt.Errorf("%w: %w: %w", errStreamBroken, ErrMessageTooLarge, err)
				s.cancel()
				return
			}
			s.err = fmt.Errorf("%w: %w", errStreamBroken, err)
			return
		}
		switch k := m.GetKind().(type) {
		case *workerpb.WorkerMessage_Result:
			select {
			case s.results <- k.Result:
			default:
				s.err = fmt.Errorf("%w: worker sent result %d with no delivery waiting", errStreamBroken, k.Result.GetId())
				s.cancel()
				return
			}
		case *workerpb.WorkerMessage_Read:
			// Answered by the delivery in flight, or by the one the
			// worker's WantCrank brings.
			select {
			case s.reads <- k.Read:
			default:
				s.err = fmt.Errorf("%w: worker sent a vatstore read before the last was answered", errStreamBroken)
				s.cancel()
				return
			}
		case *workerpb.WorkerMessage_WantCrank:
			if !s.wants.allow(1) {
				// A flood: slow the stream down instead of spending the
				// kernel's CPU on requests that coalesce anyway.
				time.Sleep(time.Millisecond)
			}
			select {
			case s.wantCrank <- struct{}{}:
			default:
			}
		default:
			s.logger.Warn("ignoring an unknown message from the worker", "type", fmt.Sprintf("%T", k))
		}
	}
}

// deliver sends d with the next id and waits for its result. If ctx ends
// after d was sent, the error wraps errAbandoned: the stream can no longer be
// trusted and the caller must discard the worker.
func (s *kernelStream) deliver(ctx context.Context, d *workerpb.Delivery) (*workerpb.DeliveryResult, error) {
	select {
	case s.turn <- struct{}{}:
	case <-s.broken:
		return nil, s.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.turn }()

	s.nextID++
	d.Id = s.nextID
	if err := s.stream.Send(d); err != nil {
		// A transport failure shows as io.EOF (or a closed socket), its
		// cause coming from Recv; any other error (a message over the
		// size limit) is ours, and leaves the stream open: end it.
		gone := peerGone(err)
		if !gone {
			s.cancel()
		}
		<-s.broken
		if !gone {
			return nil, fmt.Errorf("%w: sending delivery %d: %w", errStreamBroken, d.GetId(), err)
		}
		return nil, s.err
	}
	for {
		select {
		case req := <-s.reads:
			if err := s.answerRead(req); err != nil {
				return nil, err
			}
			continue
		case r := <-s.results:
			return s.check(d, r)
		case <-s.broken:
			// The result may have arrived just before the stream broke.
			select {
			case r := <-s.results:
				return s.check(d, r)
			default:
				return nil, s.err
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", errAbandoned, ctx.Err())
		}
	}
}

// answerRead answers a vatstore read during a delivery, on the goroutine
// that called deliver (the kernel's, for which the reader is written).
func (s *kernelStream) answerRead(req *workerpb.VatstoreRead) error {
	var res *workerpb.VatstoreReadResult
	if read := s.reader.Load(); read != nil {
		res = (*read)(req)
	} else {
		res = &workerpb.VatstoreReadResult{Error: "the kernel serves no vatstore to this worker"}
	}
	if err := s.stream.Send(&workerpb.Delivery{Kind: &workerpb.Delivery_ReadResult{ReadResult: res}}); err != nil {
		<-s.broken
		return s.err
	}
	return nil
}

// peerGone reports whether a send failed because the worker's end is gone.
func peerGone(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

func newWorkerMessage() *workerpb.WorkerMessage { return new(workerpb.WorkerMessage) }

func (s *kernelStream) check(d *workerpb.Delivery, r *workerpb.DeliveryResult) (*workerpb.DeliveryResult, error) {
	if r.GetId() != d.GetId() {
		s.cancel()
		return nil, fmt.Errorf("%w: worker answered delivery %d with the result of %d", errStreamBroken, d.GetId(), r.GetId())
	}
	return r, nil
}

// close cancels the stream; the worker sees it end.
func (s *kernelStream) close() { s.cancel() }
