package router

// ocap URLs (the tokens that name this kernel's objects, and the redeemer
// that answers peers for them), the kernel's identity, and what the
// kernel knows of its peers.

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/ocapgo/ocap/marshal"
)

// IssueURLToken returns the token of an ocap URL for the object kref,
// the same one each time.
func (r *Router) IssueURLToken(ctx context.Context, kref string) (string, error) {
	var token string
	err := r.do(ctx, func() error {
		if err := r.checkObject(kref); err != nil {
			return err
		}
		if r.k.IsRevoked(kref) {
			return fmt.Errorf("[KERNEL:%s] object %s has been revoked", CodeObjectRevoked, kref)
		}
		if t, ok := r.k.URLToken(kref); ok {
			token = t
			return nil
		}
		token = rand.Text() // 128 random bits
		r.k.IssueURLToken(kref, token)
		return nil
	})
	return token, err
}

// URLTarget returns the object an ocap URL token of this kernel names.
func (r *Router) URLTarget(ctx context.Context, token string) (string, error) {
	var kref string
	err := r.do(ctx, func() error {
		var ok bool
		if kref, ok = r.k.URLTarget(token); !ok {
			return fmt.Errorf("%w: no object has that token on this kernel", ErrUnknownURL)
		}
		if r.k.IsRevoked(kref) {
			return fmt.Errorf("[KERNEL:%s] the object of this ocap URL (%s) has been revoked", CodeObjectRevoked, kref)
		}
		return nil
	})
	return kref, err
}

// PeerRedeemer returns the kref of peer's redeemer, to send it redeem
// calls; hints say where peer may be reached.
func (r *Router) PeerRedeemer(ctx context.Context, peer string, hints []string) (string, error) {
	var kref string
	err := r.do(ctx, func() error {
		if r.redeemer == "" {
			return fmt.Errorf("remote comms are not started")
		}
		ep := r.endpoint(peer, hints).ID
		var err error
		kref, err = r.kernelRef(ep, "o+0", false)
		return err
	})
	return kref, err
}

// RemoteStatus is what the kernel knows of one peer kernel.
type RemoteStatus struct {
	ID         string   `json:"id"`
	Peer       string   `json:"peerId"`
	Hints      []string `json:"hints,omitempty"`
	Unacked    int64    `json:"unacknowledged"`
	LastTaken  int64    `json:"received"`
	LastSentNo int64    `json:"sent"`
}

// Remotes lists the peer kernels this one has exchanged references with.
func (r *Router) Remotes(ctx context.Context) ([]RemoteStatus, error) {
	var out []RemoteStatus
	err := r.do(ctx, func() error {
		for _, rec := range r.k.Remotes() {
			acked, sent := r.k.LastAcked(rec.ID), r.k.LastSent(rec.ID)
			out = append(out, RemoteStatus{ID: rec.ID, Peer: rec.Peer, Hints: rec.Hints, Unacked: sent - acked, LastTaken: r.k.LastReceived(rec.ID), LastSentNo: sent})
		}
		return nil
	})
	return out, err
}

// RemoteKey returns the private key kept in the store, making one with
// make on first use.
func (r *Router) RemoteKey(ctx context.Context, make func() (string, error)) (string, error) {
	var key string
	err := r.do(ctx, func() error {
		var ok bool
		if key, ok = r.k.RemoteKey(); ok {
			return nil
		}
		var err error
		if key, err = make(); err != nil {
			return err
		}
		r.k.SetRemoteKey(key)
		return nil
	})
	return key, err
}

// redeemCall reads a redeem call's token.
func redeemCall(method string, args []any) (string, error) {
	token, ok := "", len(args) == 1
	if ok {
		token, ok = args[0].(string)
	}
	if method != "redeem" || !ok {
		return "", fmt.Errorf("the redeemer answers only redeem(token)")
	}
	return token, nil
}

// redeemerHandler is the redeemer's service: redeem(token) answers the
// object the token names.
func (r *Router) redeemerHandler(ctx context.Context, method string, args []any) (any, error) {
	token, err := redeemCall(method, args)
	if err != nil {
		return nil, err
	}
	kref, err := r.URLTarget(ctx, token)
	if err != nil {
		return nil, err
	}
	return marshal.Ref{Kref: kref}, nil
}
