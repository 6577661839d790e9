package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/store/storetest"
)

// Kernels on one machine, each a `kernel serve` with its own store,
// talking over libp2p on 127.0.0.1.

// peerKernel is one daemon with remote comms on.
type peerKernel struct {
	*serveProc
	peer string
}

func startPeer(t *testing.T, url string, args ...string) *peerKernel {
	t.Helper()
	sock := filepath.Join(shortDir(t), "k.sock")
	d := startServe(t, url, sock, append([]string{"--remote-listen", "/ip4/127.0.0.1/tcp/0"}, args...)...)
	d.waitReady()
	return &peerKernel{serveProc: d, peer: d.remoteComms().PeerID}
}

// kill9AndRestart kills the daemon with SIGKILL and starts it again over
// its store, on the address it listened on (its peers' URLs name it).
func (k *peerKernel) kill9AndRestart() *peerKernel {
	k.t.Helper()
	addr := strings.Split(k.remoteComms().ListenAddrs[0], "/p2p/")[0]
	k.kill9()
	d := startServe(k.t, k.url, k.socket, "--remote-listen", addr)
	d.waitReady()
	return &peerKernel{serveProc: d, peer: k.peer}
}

type remoteCommsStatus struct {
	State          string   `json:"state"`
	PeerID         string   `json:"peerId"`
	ListenAddrs    []string `json:"listenAddrs"`
	ConnectedPeers []string `json:"connectedPeers"`
}

func (d *serveProc) remoteComms() remoteCommsStatus {
	d.t.Helper()
	var st struct {
		RemoteComms remoteCommsStatus `json:"remoteComms"`
	}
	ok(d.t, d.socket, &st, "status")
	return st.RemoteComms
}

// launchRoot launches a cluster file and returns its root kref and
// bootstrap result.
func launchRoot(t *testing.T, sock, cluster string) (string, map[string]any) {
	t.Helper()
	var res struct {
		RootKref        string         `json:"rootKref"`
		BootstrapResult map[string]any `json:"bootstrapResult"`
	}
	ok(t, sock, &res, "launch", clusterFile(t, cluster))
	return res.RootKref, res.BootstrapResult
}

func sendJSON(t *testing.T, sock string, args ...string) any {
	t.Helper()
	var v any
	ok(t, sock, &v, append([]string{"send"}, args...)...)
	return v
}

func TestRemoteKernelsTalk(t *testing.T) {
	t.Parallel()
	a := startPeer(t, "sqlite://"+filepath.Join(t.TempDir(), "a.db"))
	b := startPeer(t, "sqlite://"+filepath.Join(t.TempDir(), "b.db"))
	if st := a.remoteComms(); st.State != "connected" || len(st.ListenAddrs) == 0 || !strings.Contains(st.ListenAddrs[0], "/p2p/"+a.peer) {
		t.Fatalf("A's remoteComms: %+v", st)
	}
	receiver, boot := launchRoot(t, a.socket, "remote-receiver.json")
	url, _ := boot["ocapURL"].(string)
	if !strings.HasPrefix(url, "ocap:") || !strings.Contains(url, "@"+a.peer) {
		t.Fatalf("the receiver's bootstrap issued %q", url)
	}
	sender, _ := launchRoot(t, b.socket, "remote-sender.json")

	// A vat on B redeems A's URL and calls through.
	if got := sendJSON(t, b.socket, sender, "sendMessage", url, "hello", `["B"]`); got != "Receiver says hello back to B" {
		t.Fatalf("sendMessage: %#v", got)
	}
	// The host of B redeems it too (the same URL from the CLI), gets a
	// kref of its own, and calls the object directly.
	var issued string
	ok(t, a.socket, &issued, "issue-url", receiver)
	var onB string
	ok(t, b.socket, &onB, "redeem-url", issued)
	if got := sendJSON(t, b.socket, onB, "hello", "host B"); got != "Receiver says hello back to host B" {
		t.Fatalf("hello through the redeemed kref %s: %#v", onB, got)
	}
	// Redeeming on the issuing kernel gives the object itself.
	var local string
	ok(t, a.socket, &local, "redeem-url", issued)
	if local != receiver {
		t.Fatalf("redeeming on A gave %s, want %s", local, receiver)
	}
	// A B object passed to A, which calls it back.
	ref := fmt.Sprintf(`{"@kref":%q}`, sender)
	if got := sendJSON(t, b.socket, onB, "callBack", ref, "hello", "A"); got != "Sender received hello from A" {
		t.Fatalf("callBack: %#v", got)
	}
	// Pipelined sends to an object A makes, before it exists on B.
	if got := sendJSON(t, b.socket, sender, "pipeline", url); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("pipeline: %#v", got)
	}
	// A rejection on A reaches B with its name and message.
	if msg := fails(t, b.socket, "send", onB, "fail"); !strings.Contains(msg, "RangeError") || !strings.Contains(msg, "Receiver cannot") {
		t.Fatalf("fail: %s", msg)
	}
	if st := b.remoteComms(); !contains(st.ConnectedPeers, a.peer) {
		t.Fatalf("B's remoteComms lists no connection to A: %+v", st)
	}
	// Revoked on A: B's next call and redemption reject.
	ok(t, a.socket, nil, "revoke", receiver)
	if msg := fails(t, b.socket, "send", onB, "hello", "again"); !strings.Contains(msg, "OBJECT_REVOKED") {
		t.Fatalf("after revoke: %s", msg)
	}
	if msg := fails(t, b.socket, "redeem-url", issued); !strings.Contains(msg, "OBJECT_REVOKED") {
		t.Fatalf("redeeming after revoke: %s", msg)
	}
	// A malformed URL and one with a token A never issued.
	if msg := fails(t, b.socket, "redeem-url", "ocap:nothing"); !strings.Contains(msg, "malformed ocap URL") {
		t.Fatalf("malformed URL: %s", msg)
	}
	forged := "ocap:AAAAAAAAAAAAAAAAAAAAAA@" + strings.SplitN(issued, "@", 2)[1]
	if msg := fails(t, b.socket, "redeem-url", forged); !strings.Contains(msg, "unknown ocap URL") {
		t.Fatalf("forged URL: %s", msg)
	}
	if msg := fails(t, a.socket, "redeem-url", forged); !strings.Contains(msg, "unknown ocap URL") {
		t.Fatalf("forged URL on its own kernel: %s", msg)
	}
}

// Three kernels: C redeems URLs of A and B, and introduces B's object to
// A, which then calls B directly.
func TestThreeKernels(t *testing.T) {
	t.Parallel()
	var ks [3]*peerKernel
	for i := range ks {
		ks[i] = startPeer(t, "sqlite://"+filepath.Join(t.TempDir(), fmt.Sprintf("k%d.db", i)))
	}
	_, bootA := launchRoot(t, ks[0].socket, "remote-receiver.json")
	_, bootB := launchRoot(t, ks[1].socket, "remote-receiver.json")
	var onCA, onCB string
	ok(t, ks[2].socket, &onCA, "redeem-url", bootA["ocapURL"].(string))
	ok(t, ks[2].socket, &onCB, "redeem-url", bootB["ocapURL"].(string))
	ref := fmt.Sprintf(`{"@kref":%q}`, onCB)
	if got := sendJSON(t, ks[2].socket, onCA, "callBack", ref, "hello", "A"); got != "Receiver says hello back to A" {
		t.Fatalf("A calling B's object it got from C: %#v", got)
	}
}

// Kernel B is killed with SIGKILL while its vat sends 1,000 messages to
// A, and restarted: every message arrives exactly once. Then the same
// with A killed. On each store.
func TestRemoteKill9ExactlyOnce(t *testing.T) {
	for name, fresh := range map[string]func(testing.TB) string{"sqlite": storetest.SQLiteURL, "postgres": storetest.PostgresURL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			kill9ExactlyOnce(t, fresh(t), fresh(t))
		})
	}
}

func kill9ExactlyOnce(t *testing.T, urlA, urlB string) {
	{
		a := startPeer(t, urlA)
		b := startPeer(t, urlB)
		receiver, boot := launchRoot(t, a.socket, "remote-receiver.json")
		url := boot["ocapURL"].(string)
		sender, _ := launchRoot(t, b.socket, "remote-sender.json")
		const n = 1000
		bumped := func() (bumps, twice, distinct int) {
			var c struct{ Bumps, Twice, Distinct int }
			ok(t, a.socket, &c, "send", receiver, "bumps")
			return c.Bumps, c.Twice, c.Distinct
		}
		// B: kill it once A has taken some of the bumps in.
		go func() { _ = kernelCmd(t, "send", "--socket", b.socket, sender, "bumpAll", url, fmt.Sprint(n)) }()
		testutil.WaitFor(t, testutil.Patience, "A to take some bumps in", func() bool {
			got, _, _ := bumped()
			return got > 0
		})
		b = b.kill9AndRestart()
		testutil.WaitFor(t, testutil.Patience, "every bump to arrive", func() bool {
			got, _, _ := bumped()
			return got >= n
		})
		if bumps, twice, distinct := bumped(); bumps != n || twice != 0 || distinct != n {
			t.Fatalf("after B was killed: %d bumps, %d twice, %d distinct; want %d once each", bumps, twice, distinct, n)
		}
		// A: kill it while B's second run of bumps goes on.
		go func() { _ = kernelCmd(t, "send", "--socket", b.socket, sender, "bumpAll", url, fmt.Sprint(n)) }()
		testutil.WaitFor(t, testutil.Patience, "A to take more bumps in", func() bool {
			got, _, _ := bumped()
			return got > n
		})
		a = a.kill9AndRestart()
		testutil.WaitFor(t, testutil.Patience, "every bump of the second run to arrive", func() bool {
			got, _, _ := bumped()
			return got >= 2*n
		})
		if bumps, twice, _ := bumped(); bumps != 2*n || twice != n {
			// The second run sends 0..n-1 again: each is seen once before.
			t.Fatalf("after A was killed: %d bumps, %d seen twice; want %d and %d", bumps, twice, 2*n, n)
		}
		if st := a.remoteComms(); st.PeerID != a.peer {
			t.Fatalf("A's peer ID changed across its restart: %s, then %s", a.peer, st.PeerID)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
