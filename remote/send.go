package remote

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// outbound is what the node keeps for a peer it sends to: the frames
// waiting, and the one writer goroutine that owns the stream to it, so
// that frames leave in the order Send took them.
type outbound struct {
	id    peer.ID
	name  string
	queue chan []byte
	// wake tells a writer waiting to redial that it is worth trying now:
	// new hints came, or the peer connected to us.
	wake chan struct{}

	// Guarded by Node.mu.
	hints []string
	last  time.Time // the last frame either way, for StalePeerTimeout
}

// Send queues frame for peer and returns at once; the peer's writer
// goroutine dials it if need be and writes the frame. hints are multiaddrs
// where peer may be reached, as in an ocap URL: an address ending in
// /p2p/<peer> (or with no /p2p/) is dialled as it is, and one ending in
// another /p2p/<id> is taken for a relay and dialled as
// <hint>/p2p-circuit/p2p/<peer>. Hints that do not parse are skipped. Send
// keeps a copy of frame.
//
// Errors: ErrTooLarge, ErrQueueFull, ErrClosed, or a bad peer ID. A peer
// that cannot be reached is no error: the writer keeps dialling with
// backoff while frames wait in the queue (see MaxReconnectAttempts).
func (n *Node) Send(peerID string, hints []string, frame []byte) error {
	if len(frame) > n.opts.MaxMessageSize {
		n.obs.FrameRefused(peerID, RefusedSize)
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(frame), n.opts.MaxMessageSize)
	}
	id, err := peer.Decode(peerID)
	if err != nil {
		return fmt.Errorf("remote: bad peer ID %q: %w", peerID, err)
	}
	if id == n.id {
		return fmt.Errorf("remote: peer %s is this node itself", peerID)
	}
	frame = slices.Clone(frame) // outside the lock: it may be a megabyte
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	o := n.out[id]
	if o == nil {
		o = &outbound{
			id:    id,
			name:  peerID,
			queue: make(chan []byte, n.opts.MaxQueue),
			wake:  make(chan struct{}, 1),
		}
		n.out[id] = o
		n.wg.Add(1)
		go n.write(o)
	}
	if len(hints) > 0 && !slices.Equal(hints, o.hints) {
		o.hints = slices.Clone(hints)
		poke(o.wake)
	}
	o.last = time.Now()
	select {
	case o.queue <- frame:
		return nil
	default:
		n.obs.FrameRefused(peerID, RefusedQueue)
		return ErrQueueFull
	}
}

// write is a peer's writer: it takes frames off the queue in order, opens
// the stream when there is none, and lets itself go when the peer has been
// quiet for StalePeerTimeout.
func (n *Node) write(o *outbound) {
	defer n.wg.Done()
	var (
		s       network.Stream
		w       *bufio.Writer
		pending int // frames written to w but not yet flushed
	)
	defer func() {
		if s != nil {
			s.Reset()
		}
	}()
	drop := func(err error) {
		n.log.Debug("stream broke; frames dropped", "peer", o.name, "frames", pending, "error", err)
		for ; pending > 0; pending-- {
			n.obs.FrameRefused(o.name, RefusedUnreachable)
		}
		s.Reset()
		s = nil
	}
	stale := time.NewTimer(n.opts.StalePeerTimeout)
	defer stale.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-stale.C:
			left := n.retire(o)
			if left == 0 {
				if s != nil {
					s.Close()
					s = nil
				}
				return
			}
			stale.Reset(left)
		case f := <-o.queue:
			if s == nil {
				s = n.connect(o)
				if s == nil {
					if n.ctx.Err() != nil {
						return
					}
					n.dropQueue(o, f)
					continue
				}
				w = bufio.NewWriter(s)
			}
			if err := writeFrame(s, w, f); err != nil {
				pending++
				drop(err)
				continue
			}
			pending++
			if len(o.queue) > 0 && w.Buffered() < w.Size() {
				continue // more to come: flush them together
			}
			if err := w.Flush(); err != nil {
				drop(err)
				continue
			}
			for ; pending > 0; pending-- {
				n.obs.FrameSent(o.name)
			}
		}
	}
}

// writeFrame writes one length-prefixed frame into w, which may flush part
// of it to s.
func writeFrame(s network.Stream, w *bufio.Writer, frame []byte) error {
	if err := s.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	var prefix [binary.MaxVarintLen64]byte
	if _, err := w.Write(prefix[:binary.PutUvarint(prefix[:], uint64(len(frame)))]); err != nil {
		return err
	}
	_, err := w.Write(frame)
	return err
}

// retire forgets o if it has been quiet for StalePeerTimeout, returning 0;
// otherwise it returns how long until it may be.
func (n *Node) retire(o *outbound) time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(o.queue) > 0 {
		return n.opts.StalePeerTimeout
	}
	if left := n.opts.StalePeerTimeout - time.Since(o.last); left > 0 {
		return left
	}
	delete(n.out, o.id)
	n.log.Debug("peer stale; writer stopped", "peer", o.name)
	return 0
}

// dropQueue drops held and every frame waiting for o, after the writer gave
// up dialling; the next Send starts dialling over.
func (n *Node) dropQueue(o *outbound, held []byte) {
	dropped := 1
	n.obs.FrameRefused(o.name, RefusedUnreachable)
	for {
		select {
		case <-o.queue:
			dropped++
			n.obs.FrameRefused(o.name, RefusedUnreachable)
		default:
			n.log.Warn("peer unreachable; queued frames dropped", "peer", o.name, "frames", dropped, "attempts", n.opts.MaxReconnectAttempts)
			return
		}
	}
}

// connect opens the stream to o's peer, dialling with backoff. It returns
// nil when the node closes or MaxReconnectAttempts dials failed.
func (n *Node) connect(o *outbound) network.Stream {
	backoff := n.opts.ReconnectBackoff
	for attempt := 1; ; attempt++ {
		s, err := n.openStream(o)
		if err == nil {
			n.mu.Lock()
			closed := n.closed
			n.mu.Unlock()
			if !closed {
				n.handler.Connected(o.name)
			}
			return s
		}
		if n.ctx.Err() != nil {
			return nil
		}
		n.log.Debug("dial failed", "peer", o.name, "attempt", attempt, "retry_in", backoff, "error", err)
		if max := n.opts.MaxReconnectAttempts; max > 0 && attempt >= max {
			return nil
		}
		t := time.NewTimer(backoff)
		select {
		case <-n.ctx.Done():
			t.Stop()
			return nil
		case <-o.wake:
			t.Stop()
		case <-t.C:
		}
		backoff = min(2*backoff, n.opts.MaxReconnectBackoff)
	}
}

func (n *Node) openStream(o *outbound) (network.Stream, error) {
	n.mu.Lock()
	hints := o.hints
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(n.ctx, dialTimeout)
	defer cancel()
	// Relayed connections are "limited"; frames may still go over them.
	ctx = network.WithAllowLimitedConn(ctx, "ocap kernel frames")
	// Connect returns at once if a connection is up already; else it dials
	// the hints and what the peerstore knows.
	if err := n.host.Connect(ctx, peer.AddrInfo{ID: o.id, Addrs: n.dialAddrs(o.id, hints)}); err != nil {
		return nil, err
	}
	return n.host.NewStream(ctx, o.id, ProtocolID)
}

// dialAddrs turns hints into addresses to dial id at (see Send).
func (n *Node) dialAddrs(id peer.ID, hints []string) []ma.Multiaddr {
	circuit := ma.StringCast("/p2p-circuit")
	var addrs []ma.Multiaddr
	for _, h := range hints {
		m, err := ma.NewMultiaddr(h)
		if err != nil {
			n.log.Debug("skipping a hint that is not a multiaddr", "peer", id.String(), "hint", h, "error", err)
			continue
		}
		transport, last := peer.SplitAddr(m)
		switch {
		case len(transport) == 0:
			// Only /p2p/<id>: nothing to dial.
		case last == "" || last == id:
			addrs = append(addrs, transport)
		case isCircuit(transport):
			n.log.Debug("skipping a circuit hint for another peer", "peer", id.String(), "hint", h)
		default:
			// A relay's own address, as the JavaScript kernel puts in its
			// URLs: reach id through it.
			addrs = append(addrs, m.Encapsulate(circuit))
		}
	}
	return addrs
}

func isCircuit(m ma.Multiaddr) bool {
	for _, c := range m {
		if c.Protocol().Code == ma.P_CIRCUIT {
			return true
		}
	}
	return false
}
