package frame

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ocapgo/ocap/proto/workerpb"
)

func pair(t *testing.T, max int) (*Conn[*workerpb.Delivery, *workerpb.WorkerMessage], *Conn[*workerpb.WorkerMessage, *workerpb.Delivery], net.Conn) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	kernel := New[*workerpb.Delivery](a, max, max, func() *workerpb.WorkerMessage { return new(workerpb.WorkerMessage) })
	worker := New[*workerpb.WorkerMessage](b, max, max, func() *workerpb.Delivery { return new(workerpb.Delivery) })
	return kernel, worker, b
}

func TestRoundTrip(t *testing.T) {
	kernel, worker, _ := pair(t, 1<<20)
	d := &workerpb.Delivery{Id: 7, Kind: &workerpb.Delivery_Ping{Ping: &workerpb.Empty{}}}
	go func() { _ = kernel.Send(d) }()
	got, err := worker.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, d) {
		t.Fatalf("received %v, sent %v", got, d)
	}
	res := &workerpb.WorkerMessage{Kind: &workerpb.WorkerMessage_Result{Result: &workerpb.DeliveryResult{Id: 7}}}
	go func() { _ = worker.Send(res) }()
	back, err := kernel.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if back.GetResult().GetId() != 7 {
		t.Fatalf("result %v", back)
	}
}

func TestSendOverLimitIsRefused(t *testing.T) {
	kernel, _, _ := pair(t, 100)
	d := &workerpb.Delivery{Id: 1}
	d.Kind = &workerpb.Delivery_StartVat{StartVat: &workerpb.StartVat{Bundle: strings.Repeat("x", 200)}}
	if err := kernel.Send(d); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("sending 200 bytes over a 100-byte limit: %v", err)
	}
}

// A peer announcing a frame over the limit is refused before the kernel
// allocates for it.
func TestRecvOverLimitIsRefused(t *testing.T) {
	kernel, _, raw := pair(t, 100)
	go func() { _, _ = raw.Write([]byte{0x7f, 0xff, 0xff, 0xff}) }()
	_, err := kernel.Recv()
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "2147483647 bytes, limit 100") {
		t.Fatalf("a 2 GiB frame header: %v", err)
	}
}

func TestEOFBetweenFramesAndInside(t *testing.T) {
	kernel, _, raw := pair(t, 100)
	go raw.Close()
	if _, err := kernel.Recv(); err != io.EOF {
		t.Fatalf("closed between frames: %v, want io.EOF", err)
	}

	kernel, _, raw = pair(t, 100)
	go func() { _, _ = raw.Write([]byte{0, 0, 0, 10, 1, 2}); raw.Close() }()
	if _, err := kernel.Recv(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("closed inside a frame: %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestGarbageIsAnError(t *testing.T) {
	kernel, _, raw := pair(t, 100)
	go func() { _, _ = raw.Write([]byte{0, 0, 0, 3, 0xff, 0xff, 0xff}) }()
	if _, err := kernel.Recv(); err == nil || !strings.Contains(err.Error(), "decoding a frame of 3 bytes") {
		t.Fatalf("garbage frame: %v", err)
	}
}

// A large frame arrives whole; one cut short is an error, and its header
// alone allocated nothing near its claimed size.
func TestLargeFrames(t *testing.T) {
	kernel, worker, raw := pair(t, 64<<20)
	d := &workerpb.Delivery{Id: 9, Kind: &workerpb.Delivery_StartVat{StartVat: &workerpb.StartVat{Bundle: strings.Repeat("b", 3<<20)}}}
	go func() { _ = kernel.Send(d) }()
	got, err := worker.Recv()
	if err != nil || !proto.Equal(got, d) {
		t.Fatalf("a 3 MiB frame: %v", err)
	}
	go func() { _, _ = raw.Write([]byte{0, 0x40, 0, 0, 1, 2, 3}); raw.Close() }()
	if _, err := kernel.Recv(); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "4194304 bytes") {
		t.Fatalf("a 4 MiB frame cut short: %v", err)
	}
}
