package remote

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"go.uber.org/goleak"
)

func TestSendArrivesInOrder(t *testing.T) {
	t.Parallel()
	a := start(t, Options{Network: Network{MaxQueue: 1000}})
	b := start(t, Options{Network: Network{MessagesPerSecond: 1_000_000}})
	const frames = 1000
	for i := range frames {
		if err := a.Send(b.ID(), b.Addrs(), frame(i)); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	waitFor(t, "all frames at B", func() bool { return len(b.rec.got(a.ID())) == frames })
	for i, f := range b.rec.got(a.ID()) {
		if f != string(frame(i)) {
			t.Fatalf("frame %d is %q", i, f)
		}
	}
	waitFor(t, "Connected on A", func() bool { return a.rec.connections(b.ID()) > 0 })
	waitFor(t, "Connected on B", func() bool { return b.rec.connections(a.ID()) > 0 })
	waitFor(t, "A's sent count", func() bool { sent, _ := a.obs.counts(); return sent == frames })
	if _, received := b.obs.counts(); received != frames {
		t.Errorf("B counted %d frames received, want %d", received, frames)
	}
	if got := a.Peers(); !slices.Equal(got, []string{b.ID()}) {
		t.Errorf("A's peers are %v, want [%s]", got, b.ID())
	}
}

func TestSendRefusesWhatItCannotTake(t *testing.T) {
	t.Parallel()
	a := start(t, Options{Network: Network{MaxMessageSize: 1024, MaxQueue: 2, ListenAddrs: []string{}}})
	key, _ := NewKey()
	nowhere, _ := PeerID(key)

	if err := a.Send(nowhere, nil, make([]byte, 1025)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a 1025-byte frame gave %v, want ErrTooLarge", err)
	}
	if err := a.Send("not-a-peer", nil, frame(0)); err == nil || !strings.Contains(err.Error(), `"not-a-peer"`) {
		t.Errorf("a bad peer ID gave %v, want an error naming it", err)
	}
	if err := a.Send(a.ID(), nil, frame(0)); err == nil {
		t.Error("sending to itself gave no error")
	}
	// nowhere has no address: its writer dials and backs off, and two
	// frames fill the queue (one may be held by the writer).
	var full error
	for i := 0; i < 4 && full == nil; i++ {
		full = a.Send(nowhere, nil, frame(i))
	}
	if !errors.Is(full, ErrQueueFull) {
		t.Errorf("a full queue gave %v, want ErrQueueFull", full)
	}
	if a.obs.refusals(RefusedSize) != 1 || a.obs.refusals(RefusedQueue) != 1 {
		t.Errorf("refusals counted %v, want one size and one queue", a.obs.refused)
	}
	if len(a.Addrs()) != 0 {
		t.Errorf("a dial-only node lists addresses %v", a.Addrs())
	}
}

// rawHost is a bare libp2p host, to speak the protocol by hand.
func rawHost(t *testing.T) host.Host {
	t.Helper()
	h, err := libp2p.New(
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.NoListenAddrs,
		libp2p.DisableMetrics(),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func addrInfo(t *testing.T, n *testNode) peer.AddrInfo {
	t.Helper()
	ai, err := peer.AddrInfoFromString(n.Addrs()[0])
	if err != nil {
		t.Fatal(err)
	}
	return *ai
}

func TestOversizedFrameResetsStream(t *testing.T) {
	t.Parallel()
	a := start(t, Options{})
	b := start(t, Options{Network: Network{MaxMessageSize: 1024}})
	raw := rawHost(t)
	ctx := context.Background()
	if err := raw.Connect(ctx, addrInfo(t, b)); err != nil {
		t.Fatal(err)
	}
	s, err := raw.NewStream(ctx, b.id, ProtocolID)
	if err != nil {
		t.Fatal(err)
	}
	// A length far past the limit, with no body: B must refuse it from the
	// prefix alone.
	prefix := binary.AppendUvarint(nil, 1<<40)
	if _, err := s.Write(prefix); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(make([]byte, 1)); err == nil {
		t.Error("B answered instead of resetting the stream")
	}
	waitFor(t, `B's "size" refusal`, func() bool { return b.obs.refusals(RefusedSize) == 1 })

	// B goes on serving others.
	if err := a.Send(b.ID(), b.Addrs(), frame(1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "A's frame at B", func() bool { return len(b.rec.got(a.ID())) == 1 })
}

func TestInboundRateLimit(t *testing.T) {
	t.Parallel()
	a := start(t, Options{Network: Network{MaxQueue: 100}})
	b := start(t, Options{Network: Network{MessagesPerSecond: 5}})
	const frames = 100
	for i := range frames {
		if err := a.Send(b.ID(), b.Addrs(), frame(i)); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	waitFor(t, "every frame received or refused", func() bool {
		return len(b.rec.got(a.ID()))+b.obs.refusals(RefusedRate) == frames
	})
	if b.obs.refusals(RefusedRate) == 0 {
		t.Error("no frame was refused for the rate")
	}
	got := b.rec.got(a.ID())
	for i := range 5 {
		if got[i] != string(frame(i)) {
			t.Errorf("frame %d at B is %q, want %q", i, got[i], frame(i))
		}
	}
	if b.Peers()[0] != a.ID() {
		t.Error("B disconnected A for its rate")
	}
}

func TestMaxConnections(t *testing.T) {
	t.Parallel()
	a := start(t, Options{})
	b := start(t, Options{Network: Network{MaxConnections: 1}})
	c := start(t, Options{Network: Network{MaxReconnectAttempts: 1}})
	if err := a.Send(b.ID(), b.Addrs(), frame(0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "A's frame at B", func() bool { return len(b.rec.got(a.ID())) == 1 })
	if err := c.Send(b.ID(), b.Addrs(), frame(0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, `B's "connections" refusal`, func() bool { return b.obs.refusals(RefusedConnections) > 0 })
	waitFor(t, "C to give up on B", func() bool { return c.obs.refusals(RefusedUnreachable) == 1 })
	if got := b.rec.got(c.ID()); len(got) != 0 {
		t.Errorf("C's frames reached B: %v", got)
	}
	if got := b.Peers(); !slices.Equal(got, []string{a.ID()}) {
		t.Errorf("B's peers are %v, want only A", got)
	}
}

func TestReconnectToRestartedPeer(t *testing.T) {
	t.Parallel()
	a := start(t, Options{Network: Network{ReconnectBackoff: 10 * time.Millisecond}})
	b1 := start(t, Options{})
	if err := a.Send(b1.ID(), b1.Addrs(), frame(0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first frame at B", func() bool { return len(b1.rec.got(a.ID())) == 1 })
	waitFor(t, "Connected on A", func() bool { return a.rec.connections(b1.ID()) > 0 })
	before := a.rec.connections(b1.ID())
	b1.Close()
	waitFor(t, "A to see B go", func() bool { return len(a.Peers()) == 0 })

	b2 := start(t, Options{Key: b1.key})
	if b2.ID() != b1.ID() {
		t.Fatalf("the same key gave peer %s, then %s", b1.ID(), b2.ID())
	}
	// Frames may be lost on the stream to the old B; the kernel would
	// retransmit, as this loop does.
	i := 1
	waitFor(t, "a frame at the new B", func() bool {
		a.Send(b2.ID(), b2.Addrs(), frame(i))
		i++
		return len(b2.rec.got(a.ID())) > 0
	})
	waitFor(t, "Connected again on A", func() bool { return a.rec.connections(b2.ID()) > before })
}

func TestGiveUpAfterMaxReconnectAttempts(t *testing.T) {
	t.Parallel()
	a := start(t, Options{Network: Network{MaxReconnectAttempts: 2, ReconnectBackoff: time.Millisecond}})
	gone := start(t, Options{})
	addrs := gone.Addrs()
	gone.Close()
	for i := range 3 {
		if err := a.Send(gone.ID(), addrs, frame(i)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the queue dropped", func() bool { return a.obs.refusals(RefusedUnreachable) == 3 })
	// The next Send starts over.
	if err := a.Send(gone.ID(), addrs, frame(3)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the next frame dropped", func() bool { return a.obs.refusals(RefusedUnreachable) == 4 })
}

func TestStalePeerLosesItsWriter(t *testing.T) {
	t.Parallel()
	a := start(t, Options{Network: Network{StalePeerTimeout: 50 * time.Millisecond}})
	b := start(t, Options{})
	if err := a.Send(b.ID(), b.Addrs(), frame(0)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the frame at B", func() bool { return len(b.rec.got(a.ID())) == 1 })
	writers := func() int {
		a.mu.Lock()
		defer a.mu.Unlock()
		return len(a.out)
	}
	waitFor(t, "A to let B's writer go", func() bool { return writers() == 0 })
	// Sending again brings a writer back.
	if err := a.Send(b.ID(), b.Addrs(), frame(1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second frame at B", func() bool { return len(b.rec.got(a.ID())) == 2 })
}

func TestDialAddrsFromHints(t *testing.T) {
	t.Parallel()
	a := start(t, Options{})
	target, relay := newPeerID(t), newPeerID(t)
	got := a.dialAddrs(peer.ID(mustDecode(t, target)), []string{
		"/ip4/10.0.0.1/tcp/1",
		"/ip4/10.0.0.2/tcp/2/p2p/" + target,
		"/ip4/10.0.0.3/tcp/3/p2p/" + relay,
		"/ip4/10.0.0.4/tcp/4/p2p/" + relay + "/p2p-circuit/p2p/" + target,
		"/ip4/10.0.0.5/tcp/5/p2p/" + relay + "/p2p-circuit/p2p/" + relay,
		"/ip4/10.0.0.6/tcp/6/p2p/" + relay,
		"not a multiaddr",
	})
	var strs []string
	for _, m := range got {
		strs = append(strs, m.String())
	}
	want := []string{
		"/ip4/10.0.0.1/tcp/1",
		"/ip4/10.0.0.2/tcp/2",
		"/ip4/10.0.0.3/tcp/3/p2p/" + relay + "/p2p-circuit",
		"/ip4/10.0.0.4/tcp/4/p2p/" + relay + "/p2p-circuit",
		"/ip4/10.0.0.6/tcp/6/p2p/" + relay + "/p2p-circuit",
	}
	if !slices.Equal(strs, want) {
		t.Errorf("dial addresses\n%v\nwant\n%v", strs, want)
	}
}

func newPeerID(t *testing.T) string {
	t.Helper()
	key, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	id, err := PeerID(key)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustDecode(t *testing.T, s string) peer.ID {
	t.Helper()
	id, err := peer.Decode(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestStartRefusesBadOptions(t *testing.T) {
	t.Parallel()
	key, _ := NewKey()
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{}, "no key"},
		{Options{Key: []byte("junk")}, "not a marshalled libp2p private key"},
		{Options{Key: key, Network: Network{ListenAddrs: []string{"tcp:1"}}}, `listen address "tcp:1"`},
		{Options{Key: key, Network: Network{KnownPeers: []string{"/ip4/1.2.3.4/tcp/1"}}}, `known peer "/ip4/1.2.3.4/tcp/1"`},
		{Options{Key: key, Network: Network{Relays: []string{"relay"}}}, `relay "relay"`},
		{Options{Key: key, Network: Network{MaxQueue: -1}}, "MaxQueue is -1"},
	} {
		n, err := Start(context.Background(), tc.opts, newRecorder())
		if err == nil {
			n.Close()
			t.Errorf("%+v started", tc.opts)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %q does not say %q", err, tc.want)
		}
	}
}

// TestCloseLeavesNoGoroutines runs alone (not parallel), so that any
// goroutine left after Close is one this test's nodes leaked.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	key, _ := NewKey()
	a, err := Start(context.Background(), Options{Key: key, Network: Network{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}}}, newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	key, _ = NewKey()
	rb := newRecorder()
	b, err := Start(ctx, Options{Key: key, Network: Network{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}}}, rb)
	if err != nil {
		t.Fatal(err)
	}
	a.Send(b.ID(), b.Addrs(), frame(0))
	waitFor(t, "the frame at B", func() bool { return len(rb.got(a.ID())) == 1 })
	// One writer waiting to redial a peer that is not there.
	a.Send(newPeerID(t), []string{"/ip4/127.0.0.1/tcp/1"}, frame(1))
	cancel() // closes B
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	if err := a.Send(b.ID(), nil, frame(2)); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close gave %v, want ErrClosed", err)
	}
	b.Close()
}
