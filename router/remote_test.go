package router_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/router"
)

// These tests connect two kernels (two routers over their own stores)
// through an in-memory network that can lose and repeat frames; the real
// network layer is package remote's, tested end to end in cmd/kernel.

// network carries frames between routers by peer ID, in order per
// destination, one goroutine each; drop and repeat spoil what it carries.
type network struct {
	mu      sync.Mutex
	routers map[string]*router.Router
	queues  map[string]chan envelope
	sent    int
	// drop says whether the nth frame is lost; repeat whether it goes twice.
	drop, repeat func(n int) bool
}

type envelope struct {
	from  string
	frame []byte
}

func newNetwork(t *testing.T) *network {
	n := &network{routers: map[string]*router.Router{}, queues: map[string]chan envelope{}}
	t.Cleanup(func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		for _, q := range n.queues {
			close(q)
		}
		n.queues = map[string]chan envelope{}
	})
	return n
}

// attach makes r the kernel peer is the ID of, and starts its remote comms.
func (n *network) attach(t *testing.T, h *harness, peer string) {
	t.Helper()
	n.mu.Lock()
	n.routers[peer] = h.r
	q, ok := n.queues[peer]
	if !ok {
		q = make(chan envelope, 1<<16)
		n.queues[peer] = q
		go func() {
			for e := range q {
				n.mu.Lock()
				r := n.routers[peer]
				n.mu.Unlock()
				r.Receive(e.from, e.frame)
			}
		}()
	}
	n.mu.Unlock()
	if err := h.r.StartRemote(h.ctx, &link{n, peer}, 1000); err != nil {
		t.Fatalf("StartRemote: %v", err)
	}
}

// link is one kernel's side of the network.
type link struct {
	n    *network
	self string
}

func (l *link) Hints() []string { return []string{"/memory/" + l.self} }

func (l *link) Send(peer string, _ []string, frame []byte) error {
	l.n.mu.Lock()
	defer l.n.mu.Unlock()
	q, ok := l.n.queues[peer]
	if !ok {
		return nil // unreachable: the outbox keeps it
	}
	l.n.sent++
	if l.n.drop != nil && l.n.drop(l.n.sent) {
		return nil
	}
	copies := 1
	if l.n.repeat != nil && l.n.repeat(l.n.sent) {
		copies = 2
	}
	for range copies {
		q <- envelope{l.self, append([]byte(nil), frame...)}
	}
	return nil
}

// twoKernels starts kernels A and B, each with a vat (alice on A, bob on
// B), connected through a fresh network, and redeems an ocap URL token
// for alice on B: it returns both harnesses, alice's and bob's roots, and
// B's presence for alice.
type twoKernels struct {
	net              *network
	a, b             *harness
	alice, bob       string
	aliceOnB, aToken string
}

func newTwoKernels(t *testing.T) *twoKernels {
	t.Helper()
	k := &twoKernels{net: newNetwork(t), a: newHarness(t), b: newHarness(t)}
	defineVat(k.a.l, "alice", func(v *platformtest.Vat) {
		v.Root().On("fail", func(c *platformtest.Call) { c.Throw("RangeError", "alice cannot") })
	})
	defineVat(k.b.l, "bob", nil)
	return k.connect(t)
}

// connect launches alice on A and bob on B (vats the caller defined),
// links both kernels and redeems a URL for alice on B.
func (k *twoKernels) connect(t *testing.T) *twoKernels {
	t.Helper()
	k.alice = k.a.launch(cluster("alice")).Root
	k.bob = k.b.launch(cluster("bob")).Root
	k.net.attach(t, k.a, "peerA")
	k.net.attach(t, k.b, "peerB")
	k.aToken = issue(t, k.a, k.alice)
	k.aliceOnB = k.redeem(t, k.aToken)
	return k
}

// redeem redeems token of kernel A on kernel B.
func (k *twoKernels) redeem(t *testing.T, token string) string {
	t.Helper()
	return redeemOn(t, k.b, "peerA", token)
}

// issue returns the URL token h issues for its object kref.
func issue(t *testing.T, h *harness, kref string) string {
	t.Helper()
	token, err := h.r.IssueURLToken(h.ctx, kref)
	if err != nil {
		t.Fatalf("IssueURLToken(%s): %v", kref, err)
	}
	return token
}

// redeemOn redeems, on h, the token of the kernel peer, and returns h's
// kref for the object it names.
func redeemOn(t *testing.T, h *harness, peer, token string) string {
	t.Helper()
	redeemer, err := h.r.PeerRedeemer(h.ctx, peer, []string{"/ip4/127.0.0.1/tcp/1"})
	if err != nil {
		t.Fatalf("PeerRedeemer(%s): %v", peer, err)
	}
	return refOf(t, h.mustCall(redeemer, "redeem", token))
}

func TestRemoteCallsBothWays(t *testing.T) {
	t.Parallel()
	k := newTwoKernels(t)
	if k.aliceOnB == k.alice && strings.HasPrefix(k.aliceOnB, "ko") {
		t.Logf("the presence happens to share alice's kref: %s", k.aliceOnB)
	}
	if got := k.b.mustCall(k.aliceOnB, "hello"); got != "alice says hello" {
		t.Fatalf("B calling alice on A: %#v", got)
	}
	// B hands alice its own bob; alice (on A) calls bob (on B) and the
	// answer comes back through both kernels.
	if got := k.b.mustCall(k.aliceOnB, "relay", ref(k.bob), "hello"); got != "bob says hello" {
		t.Fatalf("alice relaying to bob across kernels: %#v", got)
	}
	k.b.rejects(k.aliceOnB, "fail", nil, "alice cannot")
	// The same token gives the same presence; a wrong token rejects.
	if again := k.redeem(t, k.aToken); again != k.aliceOnB {
		t.Fatalf("redeeming twice gave %s and %s", k.aliceOnB, again)
	}
	redeemer, _ := k.b.r.PeerRedeemer(k.b.ctx, "peerA", nil)
	k.b.rejects(redeemer, "redeem", []any{"not-a-token"}, "unknown ocap URL")
	checkCounts(t, k.a, k.b)
}

func TestRemoteRevocationSeenByPeer(t *testing.T) {
	t.Parallel()
	k := newTwoKernels(t)
	k.b.mustCall(k.aliceOnB, "hello")
	if err := k.a.r.Revoke(k.a.ctx, k.alice); err != nil {
		t.Fatal(err)
	}
	k.b.rejects(k.aliceOnB, "hello", nil, "OBJECT_REVOKED")
	redeemer, _ := k.b.r.PeerRedeemer(k.b.ctx, "peerA", nil)
	k.b.rejects(redeemer, "redeem", []any{k.aToken}, "OBJECT_REVOKED")
}

// A network that loses every third frame and repeats every fifth still
// delivers every message once: the outbox sends again what was not
// acknowledged, and frames taken in before are skipped.
func TestRemoteSurvivesLossAndRepeats(t *testing.T) {
	t.Parallel()
	k := newTwoKernels(t)
	k.net.mu.Lock()
	k.net.drop = func(n int) bool { return n%3 == 0 }
	k.net.repeat = func(n int) bool { return n%5 == 0 }
	k.net.mu.Unlock()
	const calls = 20
	pending := make([]*pendingCall, calls)
	for i := range pending {
		pending[i] = k.b.goCall(k.aliceOnB, "relay", ref(k.bob), "hello")
	}
	// A reconnect makes each side send again what is unacknowledged; the
	// kernels' own timer does it too, but more slowly.
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			k.a.r.Connected("peerB")
			k.b.r.Connected("peerA")
		}
	}()
	defer close(done)
	for i, p := range pending {
		if v, err := p.wait(); err != nil || v != "bob says hello" {
			t.Fatalf("call %d: %#v, %v", i, v, err)
		}
	}
	checkCounts(t, k.a, k.b)
}

// A kernel restarted over its store (a crash) carries on with its peer:
// what it had sent and not had acknowledged goes again.
func TestRemoteAcrossRestart(t *testing.T) {
	t.Parallel()
	k := newTwoKernels(t)
	k.b.mustCall(k.aliceOnB, "hello")
	k.a.restart()
	k.net.attach(t, k.a, "peerA")
	if got := k.b.mustCall(k.aliceOnB, "relay", ref(k.bob), "hello"); got != "bob says hello" {
		t.Fatalf("after A restarted: %#v", got)
	}
	k.b.restart()
	k.net.attach(t, k.b, "peerB")
	if got := k.b.mustCall(k.aliceOnB, "hello"); got != "alice says hello" {
		t.Fatalf("after B restarted: %#v", got)
	}
	checkCounts(t, k.a, k.b)
}

// checkCounts requires every kernel's stored reference counts to match
// its tables, once their outboxes are empty (all acknowledged) and the
// promises told of have retired: a quiet kernel keeps nothing of the
// traffic it had.
func checkCounts(t *testing.T, hs ...*harness) {
	t.Helper()
	for _, h := range hs {
		testutil.WaitFor(t, liveness, "every frame to be acknowledged and every told promise retired", func() bool {
			rs, err := h.r.Remotes(h.ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.Unacked > 0 {
					return false
				}
			}
			return len(h.keysWith("rmtout.")) == 0 && len(h.keysWith("rmtret.")) == 0
		})
		bad, err := h.r.CheckRefcounts(h.ctx)
		if err != nil || len(bad) > 0 {
			t.Fatalf("reference counts: %v %v", bad, err)
		}
	}
}

// A peer that comes back over a new store (its state lost, its peer ID
// kept) is found out at its first frame: what the kernel held of it
// rejects, saying so, instead of waiting for ever, and the two kernels
// carry on afresh.
func TestRemotePeerThatLostItsState(t *testing.T) {
	t.Parallel()
	k := newTwoKernels(t)
	bobOnA := redeemOn(t, k.a, "peerB", issue(t, k.b, k.bob))
	if got := k.a.mustCall(bobOnA, "hello"); got != "bob says hello" {
		t.Fatalf("A calling bob: %#v", got)
	}
	if err := k.b.r.Stop(k.b.ctx); err != nil {
		t.Fatal(err)
	}
	fresh := newHarness(t)
	k.net.attach(t, fresh, "peerB")
	k.a.rejects(bobOnA, "hello", nil, "kernel peerB lost its state")
	k.a.rejects(bobOnA, "hello", nil, "no longer exists", "kernel peerB lost its state")
	// The new B redeems A's URL afresh and calls through.
	aliceOnNewB := redeemOn(t, fresh, "peerA", k.aToken)
	if got := fresh.mustCall(aliceOnNewB, "hello"); got != "alice says hello" {
		t.Fatalf("the new B calling alice: %#v", got)
	}
	checkCounts(t, k.a, fresh)
}

// An object handed to another kernel is collected once that kernel lets
// go of it: its drop and retirement travel back, and the exporting vat
// is told, as it would be by a vat of its own kernel.
func TestRemoteDropsTravelBack(t *testing.T) {
	t.Parallel()
	net := newNetwork(t)
	a, b := newHarness(t), newHarness(t)
	var makerGC gcLog
	gcVat(a.l, "maker", &makerGC, true)
	maker := a.launch(cluster("maker")).Root
	net.attach(t, a, "peerA")
	net.attach(t, b, "peerB")
	makerOnB := redeemOn(t, b, "peerA", issue(t, a, maker))
	objectsA, objectsB := len(a.objectRows()), len(b.objectRows())
	thing := refOf(t, b.mustCall(makerOnB, "make"))
	if n := len(a.objectRows()); n != objectsA+1 {
		t.Fatalf("A has %d objects after make, want %d", n, objectsA+1)
	}
	if got := makerGC.list(); len(got) > 0 {
		t.Fatalf("the maker was told %v while B holds the thing", got)
	}
	if _, err := b.r.Release(b.ctx, thing); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, liveness, "the maker to be told the thing was dropped", func() bool {
		return slices.Equal(makerGC.list(), []string{"dropExports o+1"})
	})
	testutil.WaitFor(t, liveness, "both kernels to forget the thing", func() bool {
		return len(a.objectRows()) == objectsA && len(b.objectRows()) == objectsB
	})
	checkCounts(t, a, b)
	// Made and handed over again, it is a new object, and works.
	again := refOf(t, b.mustCall(makerOnB, "make"))
	if again == thing {
		t.Fatalf("a new thing got the collected one's kref %s", thing)
	}
	checkCounts(t, a, b)
}

// A send to a promise another kernel decides goes to that kernel at once
// (pipelined), not after the promise settles.
func TestRemotePipelining(t *testing.T) {
	t.Parallel()
	k := &twoKernels{net: newNetwork(t), a: newHarness(t), b: newHarness(t)}
	var pending string // the result of alice's later(), settled by settle()
	defineVat(k.a.l, "alice", func(v *platformtest.Vat) {
		v.Root().
			On("later", func(c *platformtest.Call) { pending = c.Result }).
			On("settle", func(c *platformtest.Call) {
				thing := c.NewObject("Alleged: thing")
				thing.On("hello", func(c *platformtest.Call) { c.Return("thing says hello") })
				c.Resolve(pending, thing.Ref())
				c.Return("settled")
			})
	})
	defineVat(k.b.l, "bob", func(v *platformtest.Vat) {
		v.Root().On("pipe", func(c *platformtest.Call) {
			later := c.Send(c.Arg(0), "later")
			c.Return(platformtest.Ref(c.Send(later, "hello")))
		})
	})
	k.connect(t)
	aliceOnB := k.aliceOnB
	remote := func(h *harness) router.RemoteStatus {
		rs, err := h.r.Remotes(h.ctx)
		if err != nil || len(rs) != 1 {
			t.Fatalf("remotes: %v, %v", rs, err)
		}
		return rs[0]
	}
	before := remote(k.a).LastTaken
	call := k.b.goCall(k.bob, "pipe", ref(aliceOnB))
	testutil.WaitFor(t, liveness, "A to take in later() and the pipelined hello() before later() settles", func() bool {
		return remote(k.a).LastTaken >= before+2
	})
	k.a.mustCall(k.alice, "settle")
	if v, err := call.wait(); err != nil || v != "thing says hello" {
		t.Fatalf("pipe: %#v, %v", v, err)
	}
	checkCounts(t, k.a, k.b)
}

// A peer is held to a vat's c-list bound: a frame that would make the
// kernel keep more of its references is refused, and the next ones are
// taken as usual.
func TestRemotePeerHeldToCListBound(t *testing.T) {
	t.Parallel()
	k := &twoKernels{net: newNetwork(t), b: newHarness(t)}
	k.a = newHarness(t, func(c *router.Config) { c.Limits.MaxCListEntries = 8 })
	var took []int
	defineVat(k.a.l, "alice", func(v *platformtest.Vat) {
		v.Root().On("take", func(c *platformtest.Call) { took = append(took, len(c.Args)); c.Return(len(c.Args)) })
	})
	defineVat(k.b.l, "bob", func(v *platformtest.Vat) {
		v.Root().On("flood", func(c *platformtest.Call) {
			n, _ := c.Arg(1).(float64)
			var things []any
			for range int(n) {
				things = append(things, c.NewObject("Alleged: thing").Ref())
			}
			c.Return(platformtest.Ref(c.Send(c.Arg(0), "take", things...)))
		})
	})
	k.connect(t)
	aliceOnB := k.aliceOnB
	flood := k.b.goCall(k.bob, "flood", ref(aliceOnB), 20)
	testutil.WaitFor(t, liveness, "A to skip the frame that breaks its bound", func() bool {
		rs, _ := k.a.r.Remotes(k.a.ctx)
		return len(rs) == 1 && rs[0].LastTaken >= 2 // the redeem, then the flood
	})
	if v := k.b.mustCall(k.bob, "flood", ref(aliceOnB), 2); v != float64(2) && v != int64(2) {
		t.Fatalf("a flood within the bound: %#v", v)
	}
	if len(took) != 1 || took[0] != 2 {
		t.Fatalf("alice took %v, want only the flood of 2", took)
	}
	if _, err := flood.wait(); !contains(err, "over maxCListEntries (8)") {
		t.Fatalf("the refused flood: %v, want a rejection naming the bound", err)
	}
	checkCounts(t, k.a, k.b)
}

// An object a peer can still recognize but no longer reach, retired by
// its vat, is retired on the peer too: the vat there that recognized it
// is told (retireImports), as by a vat of its own kernel.
func TestRemoteRetiredExportRetiresPeerImports(t *testing.T) {
	t.Parallel()
	net := newNetwork(t)
	a, b := newHarness(t), newHarness(t)
	var makerGC, takerGC gcLog
	gcVat(a.l, "maker", &makerGC, true)
	gcVat(b.l, "taker", &takerGC, false)
	maker := a.launch(cluster("maker")).Root
	taker := b.launch(cluster("taker")).Root
	net.attach(t, a, "peerA")
	net.attach(t, b, "peerB")
	takerOnA := redeemOn(t, a, "peerB", issue(t, b, taker))
	a.mustCall(maker, "give", ref(takerOnA))
	testutil.WaitFor(t, liveness, "every frame to be acknowledged", func() bool {
		rs, _ := a.r.Remotes(a.ctx)
		return len(rs) == 1 && rs[0].Unacked == 0 && rs[0].LastTaken > 0
	})
	b.mustCall(taker, "drop") // drops, still recognizes
	testutil.WaitFor(t, liveness, "the maker to retire the thing and the taker to hear of it", func() bool {
		got := takerGC.list()
		return slices.Equal(makerGC.list(), []string{"dropExports o+1"}) && len(got) == 1 && strings.HasPrefix(got[0], "retireImports o-")
	})
	checkCounts(t, a, b)
}
