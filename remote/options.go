package remote

import (
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Options configures a Node. The knobs and their defaults are those of the
// JavaScript ocap-kernel's remote comms, so that both kernels behave alike
// on the same network.
type Options struct {
	// Key is the node's private key in crypto.MarshalPrivateKey form
	// (ed25519): see NewKey and KeyFromMnemonic. It is the node's identity,
	// so the kernel keeps it across restarts. Required.
	Key []byte
	Network
	// Logger gets connection events and refusals. Defaults to
	// hclog.NewNullLogger().
	Logger hclog.Logger
	// Observer is told of frames sent, received and refused, for metrics.
	// Defaults to one that does nothing.
	Observer Observer
}

// Network is where a node listens and whom it knows, and the limits it
// keeps: the settings a kernel's operator chooses.
type Network struct {
	// ListenAddrs are the multiaddrs to listen on, e.g. /ip4/0.0.0.0/tcp/4001.
	// Defaults to none: the node only dials out.
	ListenAddrs []string
	// KnownPeers are full multiaddrs ending in /p2p/<id>, added to the
	// peerstore at start so that Send can reach them without hints. They
	// are dialled on demand, not at start. Defaults to none.
	KnownPeers []string
	// Relays are circuit v2 relay multiaddrs ending in /p2p/<relay id>. The
	// node keeps a reservation on each, so that peers can reach it through
	// them, and Hints lists the circuit addresses. Defaults to none.
	Relays []string
	// MaxMessageSize is the largest frame, in bytes, that Send accepts and
	// that a peer may send. Defaults to 1 MiB.
	MaxMessageSize int
	// MaxQueue is how many frames per peer may wait to be written before
	// Send refuses more with ErrQueueFull. Defaults to 200.
	MaxQueue int
	// MessagesPerSecond is how many inbound frames per peer per second are
	// delivered (a token bucket whose burst is the same number); frames
	// beyond it are dropped, for the sender to retransmit. Defaults to 100.
	MessagesPerSecond int
	// MaxConnections is how many connections, in either direction, may be
	// open at once; more are refused. Defaults to 100.
	MaxConnections int
	// ReconnectBackoff is the first wait after a failed dial; each further
	// failure doubles it up to MaxReconnectBackoff. Defaults to 500ms.
	ReconnectBackoff time.Duration
	// MaxReconnectBackoff caps the wait between dials. Defaults to 30s.
	MaxReconnectBackoff time.Duration
	// MaxReconnectAttempts is how many failed dials of one peer in a row
	// drop its queue; the next Send starts dialling over. 0 never gives up.
	// Defaults to 0.
	MaxReconnectAttempts int
	// StalePeerTimeout is how long a peer may go with no frame either way
	// before its writer goroutine, stream and queue are let go, so that a
	// kernel that once talked to many peers does not keep a goroutine for
	// each. Defaults to 1h.
	StalePeerTimeout time.Duration
}

// Observer sees what the layer does, for metrics. Its methods are called
// from the layer's goroutines and must not block.
type Observer interface {
	FrameSent(peer string)
	FrameReceived(peer string)
	// FrameRefused tells of a frame dropped, with reason one of: "size"
	// (over MaxMessageSize), "rate" (over MessagesPerSecond), "queue"
	// (MaxQueue frames waiting), "connections" (a connection refused for
	// MaxConnections) or "unreachable" (dropped after failed dials or a
	// failed write).
	FrameRefused(peer, reason string)
	// PeersConnected is the number of peers with an open connection, told
	// on every connect and disconnect.
	PeersConnected(n int)
}

// Handler gets what arrives.
type Handler interface {
	// Receive gets one frame from peer. Calls for one inbound stream come
	// in order from one goroutine; they should not block for long, since
	// the stream is not read meanwhile.
	Receive(peer string, frame []byte)
	// Connected tells that a connection to peer (either direction) is up,
	// or that the stream to it was reopened: frames sent before may have
	// been lost, so the kernel retransmits what peer has not acknowledged.
	// It may be called more than once for one connection.
	Connected(peer string)
}

// Refusal reasons given to Observer.FrameRefused.
const (
	RefusedSize        = "size"
	RefusedRate        = "rate"
	RefusedQueue       = "queue"
	RefusedConnections = "connections"
	RefusedUnreachable = "unreachable"
)

type nopObserver struct{}

func (nopObserver) FrameSent(string)            {}
func (nopObserver) FrameReceived(string)        {}
func (nopObserver) FrameRefused(string, string) {}
func (nopObserver) PeersConnected(int)          {}

// DefaultMessagesPerSecond is MessagesPerSecond's default.
const DefaultMessagesPerSecond = 100

// withDefaults fills the zero fields and refuses negative ones, which are
// more likely a mistake than a wish for "unbounded".
func (o Options) withDefaults() (Options, error) {
	ints := []struct {
		name string
		v    *int
		def  int
	}{
		{"MaxMessageSize", &o.MaxMessageSize, 1 << 20},
		{"MaxQueue", &o.MaxQueue, 200},
		{"MessagesPerSecond", &o.MessagesPerSecond, DefaultMessagesPerSecond},
		{"MaxConnections", &o.MaxConnections, 100},
		{"MaxReconnectAttempts", &o.MaxReconnectAttempts, 0},
	}
	for _, f := range ints {
		if *f.v < 0 {
			return o, fmt.Errorf("remote: %s is %d; it must be 0 (for the default) or more", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	durations := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"ReconnectBackoff", &o.ReconnectBackoff, 500 * time.Millisecond},
		{"MaxReconnectBackoff", &o.MaxReconnectBackoff, 30 * time.Second},
		{"StalePeerTimeout", &o.StalePeerTimeout, time.Hour},
	}
	for _, f := range durations {
		if *f.v < 0 {
			return o, fmt.Errorf("remote: %s is %v; it must be 0 (for the default) or more", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if o.MaxReconnectBackoff < o.ReconnectBackoff {
		o.MaxReconnectBackoff = o.ReconnectBackoff
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	return o, nil
}
