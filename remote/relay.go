package remote

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/client"
)

// keepReservation holds a circuit v2 reservation on relay, so that peers
// can reach this node at <relay>/p2p-circuit/p2p/<id> (see Hints). It
// renews a minute before expiry, and at once when the relay connection
// drops (wake), backing off after failures as writers do.
func (n *Node) keepReservation(relay peer.AddrInfo, wake chan struct{}) {
	defer n.wg.Done()
	backoff := n.opts.ReconnectBackoff
	for {
		ctx, cancel := context.WithTimeout(n.ctx, dialTimeout)
		rsv, err := client.Reserve(ctx, n.host, relay)
		cancel()
		if n.ctx.Err() != nil {
			return
		}
		var wait time.Duration
		if err != nil {
			n.log.Debug("relay reservation failed", "relay", relay.ID.String(), "retry_in", backoff, "error", err)
			wait = backoff
			backoff = min(2*backoff, n.opts.MaxReconnectBackoff)
		} else {
			n.log.Debug("relay reservation made", "relay", relay.ID.String(), "expires", rsv.Expiration)
			backoff = n.opts.ReconnectBackoff
			wait = max(time.Until(rsv.Expiration)-time.Minute, n.opts.ReconnectBackoff)
		}
		t := time.NewTimer(wait)
		select {
		case <-n.ctx.Done():
			t.Stop()
			return
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}
