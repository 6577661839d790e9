// Package frame carries the kernel⇄worker messages over a plain stream
// socket, each a 4-byte big-endian length and its protobuf encoding.
//
// go-plugin still starts the worker, runs the handshake, carries its logs
// and opens the gRPC stream; once both ends agree, the deliveries travel on
// a socket pair the kernel handed the worker at spawn. A gRPC message
// crosses three goroutines each way (the caller, the transport's writer and
// its reader); a frame is written by the caller and read by one reader, which
// makes a crank's round trip several times cheaper.
package frame

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	"google.golang.org/protobuf/proto"
)

// ErrTooLarge is wrapped by the error of a frame over the size limit, sent or
// received.
var ErrTooLarge = errors.New("frame over the size limit")

// Conn sends S and receives R messages. Send is safe for concurrent use;
// Recv is for one goroutine.
type Conn[S, R proto.Message] struct {
	c       net.Conn
	r       *bufio.Reader
	newR    func() R
	maxRecv int
	maxSend int

	mu  sync.Mutex // serialises Send
	buf []byte     // guarded by mu

	closeOnce sync.Once
}

// New wraps c; received frames longer than maxRecv bytes, and sends longer
// than maxSend, fail with ErrTooLarge. newR makes an empty R to decode into.
func New[S, R proto.Message](c net.Conn, maxRecv, maxSend int, newR func() R) *Conn[S, R] {
	return &Conn[S, R]{c: c, r: bufio.NewReaderSize(c, 8<<10), newR: newR, maxRecv: maxRecv, maxSend: maxSend}
}

// Send writes m as one frame, in one write.
func (f *Conn[S, R]) Send(m S) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Encoded first and measured after: proto.Size would walk m twice.
	buf, err := proto.MarshalOptions{}.MarshalAppend(append(f.buf[:0], 0, 0, 0, 0), m)
	if err != nil {
		return fmt.Errorf("encoding a frame: %w", err)
	}
	size := len(buf) - 4
	if size > f.maxSend {
		return fmt.Errorf("%w: sending %d bytes, limit %d", ErrTooLarge, size, f.maxSend)
	}
	binary.BigEndian.PutUint32(buf, uint32(size))
	// Keep a buffer the size of an ordinary delivery for the next frame,
	// not one a StartVat (its whole bundle) grew: a kernel holds one per vat.
	if cap(buf) <= 16<<10 {
		f.buf = buf
	}
	if _, err := f.c.Write(buf); err != nil {
		return fmt.Errorf("writing a frame: %w", err)
	}
	return nil
}

// Recv reads the next frame. It returns io.EOF when the other end closed
// the connection between frames.
func (f *Conn[S, R]) Recv() (R, error) {
	var zero R
	var head [4]byte
	if _, err := io.ReadFull(f.r, head[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return zero, fmt.Errorf("reading a frame header: %w", err)
		}
		return zero, err
	}
	size := int64(binary.BigEndian.Uint32(head[:]))
	if size > int64(f.maxRecv) {
		// Refused before anything is allocated for it.
		return zero, fmt.Errorf("%w: received a frame of %d bytes, limit %d", ErrTooLarge, size, f.maxRecv)
	}
	body, err := f.readBody(size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return zero, fmt.Errorf("reading a frame of %d bytes: %w", size, err)
	}
	m := f.newR()
	if err := proto.Unmarshal(body, m); err != nil {
		return zero, fmt.Errorf("decoding a frame of %d bytes: %w", size, err)
	}
	return m, nil
}

// readBody reads a frame's body. A large one grows with what arrives, not
// with what its header claims: a peer cannot make this end allocate the
// size limit by sending four bytes.
func (f *Conn[S, R]) readBody(size int64) ([]byte, error) {
	if size <= 64<<10 {
		body := make([]byte, size)
		_, err := io.ReadFull(f.r, body)
		return body, err
	}
	var b bytes.Buffer
	n, err := b.ReadFrom(io.LimitReader(f.r, size))
	if err == nil && n < size {
		err = io.ErrUnexpectedEOF
	}
	return b.Bytes(), err
}

// FileConn makes a connection of the socket at fd, which it takes over: fd
// itself is closed, the connection holding a duplicate.
func FileConn(fd uintptr, name string) (net.Conn, error) {
	f := os.NewFile(fd, name)
	defer f.Close()
	return net.FileConn(f)
}

// Close closes the connection: a Recv waiting on either end returns.
func (f *Conn[S, R]) Close() error {
	var err error
	f.closeOnce.Do(func() { err = f.c.Close() })
	return err
}
