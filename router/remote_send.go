package router

// Sending to peer kernels: pacing and batching what goes to each, sending
// again what was not acknowledged.

import (
	"bytes"
	"slices"
	"time"

	"golang.org/x/time/rate"

	"github.com/ocapgo/ocap/router/keeper"
)

// outFrame is a frame to send once its crank committed.
type outFrame struct {
	peer    string
	hints   []string
	frame   []byte
	ackOnly bool
}

// maxBatch bounds the bytes of frames sent to a peer as one.
const maxBatch = 256 << 10

// ackDelay is how long an acknowledgement waits for a frame going the
// same way to carry it instead.
const ackDelay = 10 * time.Millisecond

// pacer holds what waits to go to one peer. A kernel sends a peer at most
// nine tenths of the network messages a second it takes itself (the peers
// are assumed to take as many): a peer that refused the rest would only
// make them come again later. What waits goes together, as one message.
type pacer struct {
	lim         *rate.Limiter
	hints       []string
	parts       [][]byte // frames waiting
	ack         []byte   // the last acknowledgement waiting
	sendWaiting bool     // a send is due when the budget allows
	ackWaiting  bool     // an acknowledgement waits for company
}

// sendFrames hands frames to their peers' pacers (on the loop goroutine).
func (r *Router) sendFrames(frames []outFrame) {
	var touched []string
	for _, f := range frames {
		p := r.pacers[f.peer]
		if p == nil {
			n := max(r.perSecond*9/10, 1)
			p = &pacer{lim: rate.NewLimiter(rate.Limit(n), max(n/2, 1))}
			r.pacers[f.peer] = p
		}
		if len(f.hints) > 0 {
			p.hints = f.hints
		}
		if f.ackOnly {
			p.ack = f.frame
		} else {
			p.parts = append(p.parts, f.frame)
			r.obs.Remote("sent")
		}
		if !slices.Contains(touched, f.peer) {
			touched = append(touched, f.peer)
		}
	}
	for _, peer := range touched {
		r.pace(peer)
	}
}

// pace sends what waits for peer now if its budget allows, else when it
// will; an acknowledgement alone first waits ackDelay for a frame to go
// with.
func (r *Router) pace(peer string) {
	p := r.pacers[peer]
	switch {
	case len(p.parts) > 0:
		r.paceSend(peer, p)
	case p.ack != nil && !p.ackWaiting && !p.sendWaiting:
		p.ackWaiting = true
		time.AfterFunc(ackDelay, func() {
			r.post(func() {
				p.ackWaiting = false
				if p.ack != nil {
					r.paceSend(peer, p)
				}
			})
		})
	}
}

// paceSend sends what waits for peer as soon as its budget allows.
func (r *Router) paceSend(peer string, p *pacer) {
	if p.sendWaiting {
		return
	}
	delay := p.lim.Reserve().Delay()
	if delay == 0 {
		r.flushPeer(peer)
		return
	}
	p.sendWaiting = true
	time.AfterFunc(delay, func() {
		r.post(func() {
			p.sendWaiting = false
			r.flushPeer(peer)
		})
	})
}

// flushPeer sends every frame waiting for peer, as few network messages
// of up to maxBatch bytes, the acknowledgement last.
func (r *Router) flushPeer(peer string) {
	p := r.pacers[peer]
	parts := p.parts
	if p.ack != nil {
		parts = append(parts, p.ack)
	}
	p.parts, p.ack = nil, nil
	t := r.transportNow()
	if t == nil {
		return
	}
	for len(parts) > 0 {
		n, size := 0, 2
		for n < len(parts) && (n == 0 || size+len(parts[n])+1 <= maxBatch) {
			size += len(parts[n]) + 1
			n++
		}
		msg := parts[0]
		if n > 1 {
			msg = append(append([]byte{'['}, bytes.Join(parts[:n], []byte{','})...), ']')
		}
		if err := t.Send(peer, p.hints, msg); err != nil {
			r.log.Debug("frames to a remote kernel not sent now; sent again later", "peer", peer, "error", err)
		}
		parts = parts[n:]
	}
}

// afterCommit sends f once every crank sealed so far is durable: at once
// when none is waiting.
func (r *Router) afterCommit(f outFrame) {
	if r.k.Pending() {
		r.queued.frames = append(r.queued.frames, f)
		return
	}
	r.sendFrames([]outFrame{f})
}

// post runs fn on the loop goroutine, outside any crank, without waiting
// for it; it waits only while the loop has many such tasks queued.
func (r *Router) post(fn func()) {
	select {
	case r.tasks <- fn:
	case <-r.done:
	}
}

// Connected sends peer again what it has not acknowledged: the network
// calls it when a connection to peer comes up.
func (r *Router) Connected(peer string) {
	r.retransmit(func(rec *keeper.Remote) bool { return rec.Peer == peer })
}

// retransmit sends again the unacknowledged frames of the endpoints want
// picks.
func (r *Router) retransmit(want func(*keeper.Remote) bool) {
	var frames []outFrame
	_ = r.do(r.ctx, func() error {
		for _, rec := range r.k.Remotes() {
			if !want(rec) {
				continue
			}
			for _, f := range r.k.Outbox(rec.ID, RetransmitWindow) {
				frames = append(frames, outFrame{peer: rec.Peer, hints: rec.Hints, frame: f.Frame})
			}
		}
		return nil
	})
	for range frames {
		r.obs.Remote("retransmitted")
	}
	r.post(func() { r.sendFrames(frames) })
}

// retransmitLoop sends again what a peer has left unacknowledged since
// the previous round: a frame dropped on the way (a rate limit, a broken
// connection) goes again without waiting for a reconnect.
func (r *Router) retransmitLoop() {
	tick := time.NewTicker(RetransmitInterval)
	defer tick.Stop()
	seen := map[string]int64{} // endpoint → last acknowledged at the last round
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-tick.C:
		}
		stalled := map[string]bool{}
		_ = r.do(r.ctx, func() error {
			for _, rec := range r.k.Remotes() {
				acked, sent := r.k.LastAcked(rec.ID), r.k.LastSent(rec.ID)
				if sent > acked && seen[rec.ID] == acked {
					stalled[rec.ID] = true
				}
				seen[rec.ID] = acked
			}
			return nil
		})
		if len(stalled) > 0 {
			r.retransmit(func(rec *keeper.Remote) bool { return stalled[rec.ID] })
		}
	}
}
