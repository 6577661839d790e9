// Package remote carries frames between kernels on different machines,
// over libp2p: TCP, Noise and yamux, one stream per peer and direction, each
// frame an unsigned-varint length and its bytes.
//
// Delivery is best effort and in order: a frame may be dropped (its peer's
// queue is full, the peer cannot be reached, a stream breaks, the receiver
// is over its rate), but frames on one stream are never reordered. The
// kernel above makes delivery reliable with sequence numbers, acks and
// retransmission from its durable outbox, so this layer never blocks the
// kernel and never holds more than its limits because of what a peer does.
package remote

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// ProtocolID is the libp2p protocol kernels speak to each other.
const ProtocolID protocol.ID = "/ocap/kernel/1.0.0"

var (
	// ErrTooLarge: the frame is over Options.MaxMessageSize, which the
	// receiver would refuse too.
	ErrTooLarge = errors.New("remote: frame larger than MaxMessageSize")
	// ErrQueueFull: Options.MaxQueue frames already wait for the peer; the
	// frame was dropped, and the kernel's retransmission will bring it.
	ErrQueueFull = errors.New("remote: peer's queue is full (MaxQueue); frame dropped")
	// ErrClosed: the node was closed.
	ErrClosed = errors.New("remote: node closed")
)

const (
	// dialTimeout bounds one attempt to reach a peer on all its addresses.
	dialTimeout = 30 * time.Second
	// writeTimeout bounds one frame's write, so that a peer that stops
	// reading costs a reconnect instead of a writer stuck for good (its
	// queue would fill and Send would refuse, but the stream would stay).
	writeTimeout = time.Minute
)

// A Node is this kernel's end of the network.
type Node struct {
	opts    Options
	handler Handler
	log     hclog.Logger
	obs     Observer
	host    host.Host
	id      peer.ID
	relays  []peer.AddrInfo

	ctx       context.Context
	cancel    context.CancelFunc
	stopAfter func() bool

	// conns counts live connections, for the gater.
	conns atomic.Int64

	mu        sync.Mutex
	closed    bool
	out       map[peer.ID]*outbound
	in        map[peer.ID]*inbound
	relayWake map[peer.ID]chan struct{}
	// wg counts the node's own goroutines (writers, relay keepers) and
	// libp2p's stream handler calls, so that Close can wait for them all.
	wg sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// Start opens the node: it listens on opts.ListenAddrs, reserves a slot on
// each relay and serves the kernel protocol, handing what arrives to h. ctx
// bounds the node's life: when it is done, the node closes as by Close.
func Start(ctx context.Context, opts Options, h Handler) (*Node, error) {
	if h == nil {
		return nil, errors.New("remote: Start needs a Handler")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	priv, err := unmarshalKey(opts.Key)
	if err != nil {
		return nil, err
	}
	for _, a := range opts.ListenAddrs {
		if _, err := ma.NewMultiaddr(a); err != nil {
			return nil, fmt.Errorf("remote: listen address %q: %w", a, err)
		}
	}
	known, err := addrInfos("known peer", opts.KnownPeers)
	if err != nil {
		return nil, err
	}
	relays, err := addrInfos("relay", opts.Relays)
	if err != nil {
		return nil, err
	}

	bridgeLibp2pLogs(opts.Logger)
	n := &Node{
		opts:      opts,
		handler:   h,
		log:       opts.Logger,
		obs:       opts.Observer,
		relays:    relays,
		out:       map[peer.ID]*outbound{},
		in:        map[peer.ID]*inbound{},
		relayWake: map[peer.ID]chan struct{}{},
	}
	hostOpts := []libp2p.Option{
		libp2p.Identity(priv),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.ConnectionGater(gater{n}),
		// The kernel exports its own metrics through Observer; libp2p's
		// would land in the default Prometheus registry beside them.
		libp2p.DisableMetrics(),
		libp2p.Ping(false),
		libp2p.UserAgent("ocap"),
		// The circuit v2 client: dialling peers through relays, and being
		// reached through the relays in opts.Relays.
		libp2p.EnableRelay(),
	}
	if len(opts.ListenAddrs) > 0 {
		hostOpts = append(hostOpts, libp2p.ListenAddrStrings(opts.ListenAddrs...))
	} else {
		hostOpts = append(hostOpts, libp2p.NoListenAddrs)
	}
	hst, err := libp2p.New(hostOpts...)
	if err != nil {
		return nil, fmt.Errorf("remote: starting libp2p: %w", err)
	}
	n.host = hst
	n.id = hst.ID()
	n.ctx, n.cancel = context.WithCancel(context.Background())
	for _, ai := range append(slices.Clone(known), relays...) {
		hst.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.PermanentAddrTTL)
	}
	hst.Network().Notify(&network.NotifyBundle{
		ConnectedF:    n.connected,
		DisconnectedF: n.disconnected,
	})
	hst.SetStreamHandler(ProtocolID, n.handleStream)
	n.mu.Lock()
	for _, ai := range relays {
		wake := make(chan struct{}, 1)
		n.relayWake[ai.ID] = wake
		n.wg.Add(1)
		go n.keepReservation(ai, wake)
	}
	n.mu.Unlock()
	n.stopAfter = context.AfterFunc(ctx, func() { n.Close() })
	n.log.Info("remote comms started", "peer", n.id.String(), "addrs", n.Addrs())
	return n, nil
}

func addrInfos(what string, addrs []string) ([]peer.AddrInfo, error) {
	var infos []peer.AddrInfo
	for _, a := range addrs {
		ai, err := peer.AddrInfoFromString(a)
		if err != nil {
			return nil, fmt.Errorf("remote: %s %q is not a multiaddr ending in /p2p/<peer id>: %w", what, a, err)
		}
		infos = append(infos, *ai)
	}
	return infos, nil
}

// ID is the node's peer ID.
func (n *Node) ID() string { return n.id.String() }

// Addrs are the addresses the node listens on, each ending in /p2p/<id>.
// An unspecified address (0.0.0.0) is listed once per interface.
func (n *Node) Addrs() []string {
	var addrs []string
	suffix := "/p2p/" + n.id.String()
	for _, a := range n.host.Addrs() {
		addrs = append(addrs, a.String()+suffix)
	}
	return addrs
}

// Hints are the location hints to put in an ocap URL this node issues:
// Addrs, then a circuit address through each relay in Options.Relays.
func (n *Node) Hints() []string {
	hints := n.Addrs()
	for _, r := range n.opts.Relays {
		hints = append(hints, r+"/p2p-circuit/p2p/"+n.id.String())
	}
	return hints
}

// Peers are the peers with an open connection, sorted.
func (n *Node) Peers() []string {
	var ids []string
	for _, p := range n.host.Network().Peers() {
		ids = append(ids, p.String())
	}
	slices.Sort(ids)
	return ids
}

// Close stops the node: it closes every connection and waits for its
// goroutines. Frames still queued are dropped. It is safe to call twice.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.stopAfter()
		n.mu.Lock()
		n.closed = true
		n.mu.Unlock()
		n.cancel()
		if err := n.host.Close(); err != nil {
			n.closeErr = fmt.Errorf("remote: closing libp2p: %w", err)
		}
		n.wg.Wait()
		n.log.Info("remote comms stopped")
	})
	return n.closeErr
}

// connected is the network's word that a connection is up: the kernel is
// told, and the peer's writer, if it waits to redial, tries at once.
func (n *Node) connected(net network.Network, c network.Conn) {
	n.conns.Add(1)
	n.obs.PeersConnected(len(net.Peers()))
	p := c.RemotePeer()
	n.mu.Lock()
	closed := n.closed
	relay := n.relayWake[p] != nil
	if o := n.out[p]; o != nil {
		poke(o.wake)
	}
	n.mu.Unlock()
	n.log.Debug("connected", "peer", p.String(), "dir", c.Stat().Direction.String(), "addr", c.RemoteMultiaddr().String())
	if !closed && !relay {
		n.handler.Connected(p.String())
	}
}

func (n *Node) disconnected(net network.Network, c network.Conn) {
	n.conns.Add(-1)
	n.obs.PeersConnected(len(net.Peers()))
	p := c.RemotePeer()
	n.log.Debug("disconnected", "peer", p.String())
	stillConnected := net.Connectedness(p) == network.Connected
	n.mu.Lock()
	if wake := n.relayWake[p]; wake != nil && !stillConnected {
		poke(wake)
	}
	if i := n.in[p]; i != nil && i.streams == 0 && !stillConnected {
		delete(n.in, p)
	}
	n.mu.Unlock()
}

// poke wakes whoever waits on a one-slot channel, without blocking.
func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
