package remote

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/time/rate"
)

// maxStreamsPerPeer bounds the inbound kernel streams one peer may have
// open at once. One is normal; a few more cover a sender that reopened its
// stream before this side saw the old one go. Each may hold a frame being
// read, so this bounds what one peer can make the node hold.
const maxStreamsPerPeer = 4

// readChunk is how much of a frame is allocated ahead of the bytes that
// fill it: a peer that announces a large frame and sends it slowly makes
// the node hold what it sent, not what it announced.
const readChunk = 64 << 10

// inbound is what the node keeps for a peer that sends to it: one rate
// bucket for all the peer's streams, kept while it is connected, so that
// reopening streams does not refill it.
type inbound struct {
	limiter *rate.Limiter
	streams int // guarded by Node.mu
}

// handleStream reads one inbound stream, in libp2p's goroutine for it,
// until the stream ends or breaks the rules.
func (n *Node) handleStream(s network.Stream) {
	p := s.Conn().RemotePeer()
	name := p.String()
	limiter, ok := n.openInbound(p)
	if !ok {
		s.Reset()
		return
	}
	defer n.closeInbound(p)
	r := bufio.NewReader(s)
	max := uint64(n.opts.MaxMessageSize)
	for {
		size, err := binary.ReadUvarint(r)
		if err != nil {
			if errors.Is(err, io.EOF) {
				s.Close()
			} else {
				n.log.Debug("inbound stream broke", "peer", name, "error", err)
				s.Reset()
			}
			return
		}
		if size > max {
			n.obs.FrameRefused(name, RefusedSize)
			n.log.Warn("peer sent a frame over MaxMessageSize; stream reset", "peer", name, "size", size, "limit", max)
			s.Reset()
			return
		}
		if !limiter.Allow() {
			// Read past it to keep the framing; the sender retransmits.
			if _, err := io.CopyN(io.Discard, r, int64(size)); err != nil {
				s.Reset()
				return
			}
			n.obs.FrameRefused(name, RefusedRate)
			continue
		}
		frame, err := readBody(r, int(size))
		if err != nil {
			n.log.Debug("inbound stream broke inside a frame", "peer", name, "error", err)
			s.Reset()
			return
		}
		n.touch(p)
		n.obs.FrameReceived(name)
		n.handler.Receive(name, frame)
	}
}

// readBody reads a frame of size bytes, allocating as the bytes arrive.
func readBody(r io.Reader, size int) ([]byte, error) {
	buf := make([]byte, 0, min(size, readChunk))
	for len(buf) < size {
		want := min(size-len(buf), readChunk)
		if cap(buf)-len(buf) < want {
			grown := make([]byte, len(buf), min(max(2*cap(buf), len(buf)+want), size))
			copy(grown, buf)
			buf = grown
		}
		got, err := io.ReadFull(r, buf[len(buf):len(buf)+want])
		buf = buf[:len(buf)+got]
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// openInbound counts a stream from p in, refusing it when the node is
// closed or p has maxStreamsPerPeer open already, and gives p's bucket.
func (n *Node) openInbound(p peer.ID) (*rate.Limiter, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, false
	}
	i := n.in[p]
	if i == nil {
		i = &inbound{limiter: rate.NewLimiter(rate.Limit(n.opts.MessagesPerSecond), n.opts.MessagesPerSecond)}
		n.in[p] = i
	}
	if i.streams >= maxStreamsPerPeer {
		n.log.Warn("peer opened too many streams; new one reset", "peer", p.String(), "open", i.streams)
		return nil, false
	}
	i.streams++
	n.wg.Add(1)
	return i.limiter, true
}

func (n *Node) closeInbound(p peer.ID) {
	defer n.wg.Done()
	connected := n.host.Network().Connectedness(p) == network.Connected
	n.mu.Lock()
	defer n.mu.Unlock()
	if i := n.in[p]; i != nil {
		i.streams--
		if i.streams == 0 && !connected {
			delete(n.in, p)
		}
	}
}

// touch notes traffic from p, which keeps its writer from going stale.
func (n *Node) touch(p peer.ID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if o := n.out[p]; o != nil {
		o.last = time.Now()
	}
}
