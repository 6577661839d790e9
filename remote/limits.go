package remote

import (
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// gater enforces MaxConnections against the live connections the node's
// notifiee counts. Handshakes that complete at the same moment may each
// see room for one more, so the limit can be passed by a few for a moment;
// it bounds load, not an exact number.
type gater struct{ n *Node }

func (g gater) full() bool { return g.n.conns.Load() >= int64(g.n.opts.MaxConnections) }

// InterceptPeerDial refuses to dial out when full; the swarm asks only when
// no connection to p is up.
func (g gater) InterceptPeerDial(p peer.ID) bool {
	if g.full() {
		g.n.obs.FrameRefused(p.String(), RefusedConnections)
		g.n.log.Debug("not dialling: MaxConnections reached", "peer", p.String(), "limit", g.n.opts.MaxConnections)
		return false
	}
	return true
}

func (gater) InterceptAddrDial(peer.ID, ma.Multiaddr) bool { return true }

func (gater) InterceptAccept(network.ConnMultiaddrs) bool { return true }

// InterceptSecured refuses an inbound connection when full. It is asked
// after the handshake, so that the refusal names the peer.
func (g gater) InterceptSecured(dir network.Direction, p peer.ID, addrs network.ConnMultiaddrs) bool {
	if dir == network.DirInbound && g.full() {
		g.n.obs.FrameRefused(p.String(), RefusedConnections)
		g.n.log.Warn("connection refused: MaxConnections reached", "peer", p.String(), "addr", addrs.RemoteMultiaddr().String(), "limit", g.n.opts.MaxConnections)
		return false
	}
	return true
}

func (gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }
