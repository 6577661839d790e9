package remote

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond until it holds; the deadline only ends a test that
// would otherwise hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recorder is a Handler that keeps what it is given.
type recorder struct {
	mu        sync.Mutex
	frames    map[string][]string
	connected map[string]int
}

func newRecorder() *recorder {
	return &recorder{frames: map[string][]string{}, connected: map[string]int{}}
}

func (r *recorder) Receive(peer string, frame []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.frames[peer] = append(r.frames[peer], string(frame))
}

func (r *recorder) Connected(peer string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.connected[peer]++
}

func (r *recorder) got(peer string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.frames[peer]...)
}

func (r *recorder) connections(peer string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.connected[peer]
}

// counter is an Observer that counts.
type counter struct {
	mu       sync.Mutex
	sent     int
	received int
	refused  map[string]int
	peers    int
}

func newCounter() *counter { return &counter{refused: map[string]int{}} }

func (c *counter) FrameSent(string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent++
}

func (c *counter) FrameReceived(string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.received++
}

func (c *counter) FrameRefused(_, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refused[reason]++
}

func (c *counter) PeersConnected(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.peers = n
}

func (c *counter) refusals(reason string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refused[reason]
}

func (c *counter) counts() (sent, received int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent, c.received
}

// testNode is a started node with what it reports to.
type testNode struct {
	*Node
	rec *recorder
	obs *counter
	key []byte
}

// start starts a node on 127.0.0.1 with a fresh key unless opts has one,
// closed when the test ends.
func start(t *testing.T, opts Options) *testNode {
	t.Helper()
	if opts.Key == nil {
		key, err := NewKey()
		if err != nil {
			t.Fatal(err)
		}
		opts.Key = key
	}
	if opts.ListenAddrs == nil {
		opts.ListenAddrs = []string{"/ip4/127.0.0.1/tcp/0"}
	}
	tn := &testNode{rec: newRecorder(), obs: newCounter(), key: opts.Key}
	opts.Observer = tn.obs
	n, err := Start(context.Background(), opts, tn.rec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	tn.Node = n
	return tn
}

func frame(i int) []byte { return []byte(fmt.Sprintf("frame %d", i)) }
