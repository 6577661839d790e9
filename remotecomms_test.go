package ocap_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/remote"
	"github.com/ocapgo/ocap/store"
)

// The BIP39 test mnemonic; ocap-kernel derives this peer ID from it.
const (
	testMnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
	testPeerID   = "12D3KooWP7CwQswqLKZbwvYd9wrEynnL9F2aKVP1X9huNASBTuqj"
)

func remoteOptions(mnemonic string) ocap.Options {
	return ocap.Options{RemoteComms: &ocap.RemoteCommsOptions{
		Network:  remote.Network{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}},
		Mnemonic: mnemonic,
	}}
}

// A kernel's identity comes from its mnemonic, is kept in its store, and
// a store that has another one refuses the mnemonic.
func TestRemoteIdentityFromMnemonic(t *testing.T) {
	t.Parallel()
	url := "sqlite://" + filepath.Join(t.TempDir(), "k.db")
	e := startKernel(t, url, remoteOptions(testMnemonic))
	st, err := e.k.GetStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rc := st.RemoteComms
	if rc.State != "connected" || rc.PeerID != testPeerID || len(rc.ListenAddrs) != 1 || !strings.HasSuffix(rc.ListenAddrs[0], "/p2p/"+testPeerID) {
		t.Fatalf("remoteComms: %+v, want connected as %s", rc, testPeerID)
	}
	e.close()

	// The same store without the mnemonic keeps the identity.
	e.opts = remoteOptions("")
	e.open()
	if st, _ := e.k.GetStatus(context.Background()); st.RemoteComms.PeerID != testPeerID {
		t.Fatalf("restarted without the mnemonic: peer %s, want %s", st.RemoteComms.PeerID, testPeerID)
	}
	e.close()

	// Another store, with its own identity, refuses the mnemonic.
	other := "sqlite://" + filepath.Join(t.TempDir(), "other.db")
	o := startKernel(t, other, remoteOptions(""))
	o.close()
	ctx := context.Background()
	db, err := store.Open(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = ocap.Make(ctx, platform.New(platform.Options{WorkerPath: workerFor(t)}), db, remoteOptions(testMnemonic))
	if err == nil || !strings.Contains(err.Error(), "the store already has another identity") {
		t.Fatalf("a mnemonic over a store with another identity: %v", err)
	}
	// And a malformed mnemonic is refused, naming the problem.
	_, err = ocap.Make(ctx, platform.New(platform.Options{WorkerPath: workerFor(t)}), db, remoteOptions("abandon abandon"))
	if err == nil || !strings.Contains(err.Error(), "mnemonic") {
		t.Fatalf("a malformed mnemonic: %v", err)
	}
}

// Without remote comms, ocap URLs are refused with a sentinel error and
// the status says disconnected.
func TestNoRemoteComms(t *testing.T) {
	t.Parallel()
	e := startKernel(t, "sqlite::memory:", ocap.Options{})
	st, err := e.k.GetStatus(context.Background())
	if err != nil || st.RemoteComms.State != "disconnected" || st.RemoteComms.PeerID != "" {
		t.Fatalf("status: %+v, %v", st.RemoteComms, err)
	}
	if _, err := e.k.IssueURL(context.Background(), "ko1"); !errors.Is(err, ocap.ErrNoRemoteComms) {
		t.Fatalf("IssueURL: %v", err)
	}
	if _, err := e.k.RedeemURL(context.Background(), "ocap:x@y"); !errors.Is(err, ocap.ErrNoRemoteComms) {
		t.Fatalf("RedeemURL: %v", err)
	}
}
