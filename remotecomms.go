package ocap

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/remote"
	"github.com/ocapgo/ocap/router"
)

// RemoteCommsOptions connect a kernel to kernels on other machines over
// libp2p (TCP, Noise, yamux). Every field is optional: a kernel with
// remote comms and no ListenAddrs dials out only.
type RemoteCommsOptions struct {
	// Network: listen addresses, known peers, relays and limits, each
	// with its default (see remote.Network).
	remote.Network
	// Mnemonic, a BIP39 English mnemonic, derives the kernel's key pair
	// (so its peer ID) instead of a random one, as the JavaScript kernel
	// derives it. Refused if the store already has another identity.
	// Defaults to none: a key made on first start and kept in the store.
	Mnemonic string
}

// RemoteComms is the state of kernel-to-kernel networking: "disconnected"
// (not configured), "identity-only" (a peer ID, no listen address) or
// "connected" (listening).
type RemoteComms struct {
	State          string   `json:"state"`
	PeerID         string   `json:"peerId,omitempty"`
	ListenAddrs    []string `json:"listenAddrs,omitempty"`
	ConnectedPeers []string `json:"connectedPeers,omitempty"`
}

// comms is a running kernel's network side.
type comms struct {
	node atomic.Pointer[remote.Node]
}

// Send implements router.Transport; frames before the node is up are
// dropped (the outbox sends them again).
func (c *comms) Send(peer string, hints []string, frame []byte) error {
	n := c.node.Load()
	if n == nil {
		return errors.New("remote comms are starting")
	}
	return n.Send(peer, hints, frame)
}

// Hints implements router.Transport.
func (c *comms) Hints() []string {
	if n := c.node.Load(); n != nil {
		return n.Hints()
	}
	return nil
}

// startRemoteComms gives the kernel its identity and starts the network.
func (k *Kernel) startRemoteComms(ctx context.Context) error {
	o := k.opts.RemoteComms
	key, err := k.identity(ctx, o.Mnemonic)
	if err != nil {
		return err
	}
	k.comms = &comms{}
	perSecond := o.MessagesPerSecond
	if perSecond == 0 {
		perSecond = remote.DefaultMessagesPerSecond
	}
	if err := k.r.StartRemote(ctx, k.comms, perSecond); err != nil {
		return err
	}
	var observer remote.Observer
	if k.opts.Metrics != nil {
		observer = k.opts.Metrics
	}
	// The node lives until Stop, not as long as the ctx of Make.
	node, err := remote.Start(context.WithoutCancel(ctx), remote.Options{
		Key: key, Network: o.Network, Logger: k.log.Named("remote"), Observer: observer,
	}, k.r)
	if err != nil {
		return fmt.Errorf("starting remote comms: %w", err)
	}
	k.comms.node.Store(node)
	return nil
}

// identity returns the kernel's private key: the one in the store, else
// one made now (from the mnemonic, if given) and kept there.
func (k *Kernel) identity(ctx context.Context, mnemonic string) ([]byte, error) {
	var want []byte
	if mnemonic != "" {
		var err error
		if want, err = remote.KeyFromMnemonic(mnemonic); err != nil {
			return nil, fmt.Errorf("remote comms mnemonic: %w", err)
		}
	}
	stored, err := k.r.RemoteKey(ctx, func() (string, error) {
		key := want
		if key == nil {
			var err error
			if key, err = remote.NewKey(); err != nil {
				return "", err
			}
		}
		return base64.StdEncoding.EncodeToString(key), nil
	})
	if err != nil {
		return nil, fmt.Errorf("remote comms identity: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return nil, fmt.Errorf("remote comms identity: the store's key is malformed: %w", err)
	}
	if want != nil && string(want) != string(key) {
		have, _ := remote.PeerID(key)
		return nil, fmt.Errorf("remote comms: the store already has another identity (peer %s) than the mnemonic gives; a kernel keeps its peer ID for life", have)
	}
	return key, nil
}

// IssueURL returns an ocap URL for the object kref: any kernel that
// redeems it gets a reference to the object, until it is revoked.
func (k *Kernel) IssueURL(ctx context.Context, kref string) (string, error) {
	node := k.node()
	if node == nil {
		return "", ErrNoRemoteComms
	}
	token, err := k.r.IssueURLToken(ctx, kref)
	if err != nil {
		return "", err
	}
	return remote.FormatURL(token, node.ID(), node.Hints()), nil
}

// RedeemURL returns the kref of the object an ocap URL names: on this
// kernel the object itself, on another a reference to it (redeeming asks
// that kernel, and waits for its answer).
func (k *Kernel) RedeemURL(ctx context.Context, url string) (string, error) {
	ref, err := k.redeem(ctx, url)
	return ref.Kref, err
}

func (k *Kernel) redeem(ctx context.Context, url string) (marshal.Ref, error) {
	node := k.node()
	if node == nil {
		return marshal.Ref{}, ErrNoRemoteComms
	}
	token, peer, hints, err := remote.ParseURL(url)
	if err != nil {
		return marshal.Ref{}, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	if peer == node.ID() {
		kref, err := k.r.URLTarget(ctx, token)
		return marshal.Ref{Kref: kref}, err
	}
	redeemer, err := k.r.PeerRedeemer(ctx, peer, hints)
	if err != nil {
		return marshal.Ref{}, err
	}
	out, err := k.QueueMessage(ctx, redeemer, "redeem", []any{token})
	if err != nil {
		return marshal.Ref{}, err
	}
	v, err := out.Unmarshal()
	ref, ok := v.(marshal.Ref)
	if err != nil || !ok {
		return marshal.Ref{}, fmt.Errorf("kernel %s answered a redeem with %s, not an object", peer, out.Body)
	}
	return ref, nil
}

// ErrBadURL: a malformed ocap URL.
var ErrBadURL = errors.New("malformed ocap URL")

// ErrUnknownURL: an ocap URL whose token its kernel never issued.
var ErrUnknownURL = router.ErrUnknownURL

// ErrNoRemoteComms: the kernel was made without Options.RemoteComms.
var ErrNoRemoteComms = errors.New("remote comms are off (start the kernel with remote comms: Options.RemoteComms, or kernel serve --remote-listen)")

func (k *Kernel) node() *remote.Node {
	if k.comms == nil {
		return nil
	}
	return k.comms.node.Load()
}

func (k *Kernel) remoteStatus() RemoteComms {
	node := k.node()
	if node == nil {
		return RemoteComms{State: "disconnected"}
	}
	st := RemoteComms{State: "identity-only", PeerID: node.ID(), ConnectedPeers: node.Peers()}
	if addrs := node.Addrs(); len(addrs) > 0 {
		st.State, st.ListenAddrs = "connected", addrs
	}
	return st
}

// ocapURLIssuer is the ocapURLIssuerService: issue(remotable) returns an
// ocap URL for it.
type ocapURLIssuer struct{ k *Kernel }

func (s ocapURLIssuer) Issue(ctx context.Context, obj Ref) (string, error) {
	return s.k.IssueURL(ctx, obj.Kref)
}

// ocapURLRedeemer is the ocapURLRedemptionService: redeem(url) returns a
// presence of the object the URL names.
type ocapURLRedeemer struct{ k *Kernel }

func (s ocapURLRedeemer) Redeem(ctx context.Context, url string) (Ref, error) {
	return s.k.redeem(ctx, url)
}

// stopRemoteComms closes the network.
func (k *Kernel) stopRemoteComms() error {
	if node := k.node(); node != nil {
		return node.Close()
	}
	return nil
}

var _ router.Transport = (*comms)(nil)
