package remote

import (
	"testing"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
)

func TestSendThroughRelay(t *testing.T) {
	t.Parallel()
	relay, err := libp2p.New(
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		libp2p.DisableMetrics(),
		libp2p.EnableRelayService(),
		// The relay serves peers on loopback only in this test.
		libp2p.ForceReachabilityPublic(),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { relay.Close() })
	relayAddr := relay.Addrs()[0].String() + "/p2p/" + relay.ID().String()

	// B listens nowhere: it can be reached only through the relay.
	b := start(t, Options{Network: Network{Relays: []string{relayAddr}, ListenAddrs: []string{}}})
	hints := b.Hints()
	if want := relayAddr + "/p2p-circuit/p2p/" + b.ID(); len(hints) != 1 || hints[0] != want {
		t.Fatalf("B's hints are %v, want [%s]", hints, want)
	}
	a := start(t, Options{})
	i := 0
	waitFor(t, "a frame at B through the relay", func() bool {
		// Until B's reservation is made, dials fail; the kernel would
		// retransmit, as this loop does.
		a.Send(b.ID(), hints, frame(i))
		i++
		return len(b.rec.got(a.ID())) > 0
	})
	waitFor(t, "Connected on B", func() bool { return b.rec.connections(a.ID()) > 0 })
	if b.rec.connections(relay.ID().String()) != 0 {
		t.Error("B's handler was told of its relay as a peer")
	}

	// A relay's own address as the hint, as the JavaScript kernel puts in
	// its URLs, reaches B too.
	c := start(t, Options{})
	j := 0
	waitFor(t, "a frame at B through the relay's own address", func() bool {
		c.Send(b.ID(), []string{relayAddr}, frame(j))
		j++
		return len(b.rec.got(c.ID())) > 0
	})
}
