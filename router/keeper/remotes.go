package keeper

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Remote kernels. Each peer kernel this one talks to is an endpoint
// (r<n>) with a c-list like a vat's, an outbox of the frames sent to it
// that it has not acknowledged yet, and the number of the last frame
// taken from it. Outbox and counters change in the crank that produced
// or consumed a frame, so a crash neither loses nor repeats one.
//
//	rmt.<ep>           the endpoint's peer: {"peer":..., "hints":[...]}
//	rmtpeer.<peer>     the endpoint of a peer ID
//	rmtout.<ep>.<seq>  a frame sent and not yet acknowledged
//	rmtseq.<ep>        the number of the last frame sent
//	rmtack.<ep>        the number of the last frame acknowledged
//	rmtin.<ep>         the number of the last frame taken in
//	rmtret.<ep>.<vref> "<seq> <kp>": a promise retiring (remote.go)
//	rmtmention.<ep>.<vref>  the last frame to ep that named vref
//	url.<token>        the object an ocap URL names (counts a reference)
//	urlof.<kref>       the token issued for an object
//	kernel.remoteKey   this kernel's private key, for its peer ID

// Remote is an endpoint's peer.
type Remote struct {
	ID    string   `json:"-"`
	Peer  string   `json:"peer"`
	Hints []string `json:"hints,omitempty"`
	// Incarnation is the peer's store's: another one means the peer
	// lost its state.
	Incarnation string `json:"incarnation,omitempty"`
}

func remoteKey(ep string) string { return "rmt." + ep }

func remotePeerKey(peer string) string { return "rmtpeer." + peer }

func outboxKey(ep string, seq int64) string { return fmt.Sprintf("rmtout.%s.%020d", ep, seq) }

func urlKey(token string) string { return "url." + token }

func urlOfKey(kref string) string { return "urlof." + kref }

// RemoteOf returns the endpoint of peer, if it has one.
func (k *Keeper) RemoteOf(peer string) (*Remote, bool) {
	ep, ok := k.get(remotePeerKey(peer))
	if !ok {
		return nil, false
	}
	return k.Remote(ep)
}

// Remote reads endpoint ep.
func (k *Keeper) Remote(ep string) (*Remote, bool) {
	var rec Remote
	if !k.getJSON(remoteKey(ep), &rec) {
		return nil, false
	}
	rec.ID = ep
	return &rec, true
}

// NewRemote makes an endpoint for peer.
func (k *Keeper) NewRemote(peer string, hints []string) *Remote {
	rec := &Remote{ID: "r" + strconv.FormatInt(k.next("kernel.nextRemote"), 10), Peer: peer, Hints: hints}
	k.setJSON(remoteKey(rec.ID), rec)
	k.set(remotePeerKey(peer), rec.ID)
	return rec
}

// RemoteCount is how many endpoints were ever made (none is deleted).
func (k *Keeper) RemoteCount() int64 { return max(k.getInt("kernel.nextRemote")-1, 0) }

// SetRemote writes an endpoint's record.
func (k *Keeper) SetRemote(rec *Remote) { k.setJSON(remoteKey(rec.ID), rec) }

// ResetRemote forgets the frames exchanged with ep: its outbox, its
// counters and its retiring promises (its c-list is the router's).
func (k *Keeper) ResetRemote(ep string) {
	k.Retire(ep, math.MaxInt64)
	k.delPrefix("rmtout." + ep + ".")
	k.delPrefix(mentionKey(ep, ""))
	for _, key := range []string{"rmtseq.", "rmtack.", "rmtin."} {
		k.del(key + ep)
	}
}

// RemoteIDs lists every endpoint: r1 to the last one made (none is
// deleted), read from the counter, not from the store.
func (k *Keeper) RemoteIDs() []string {
	out := make([]string, k.RemoteCount())
	for i := range out {
		out[i] = "r" + strconv.Itoa(i+1)
	}
	return out
}

// Remotes reads every endpoint.
func (k *Keeper) Remotes() []*Remote {
	var out []*Remote
	for _, id := range k.RemoteIDs() {
		if rec, ok := k.Remote(id); ok {
			out = append(out, rec)
		}
	}
	return out
}

// AppendOutbox keeps the frame build makes, given its number, as the
// next one sent to ep, and returns that number and the frame.
func (k *Keeper) AppendOutbox(ep string, build func(seq int64) []byte) (int64, []byte) {
	seq := k.LastSent(ep) + 1
	frame := build(seq)
	k.setInt("rmtseq."+ep, seq)
	k.set(outboxKey(ep, seq), string(frame))
	return seq, frame
}

// LastSent is the number of the last frame sent to ep.
func (k *Keeper) LastSent(ep string) int64 { return k.getInt("rmtseq." + ep) }

// LastAcked is the number of the last frame ep acknowledged.
func (k *Keeper) LastAcked(ep string) int64 { return k.getInt("rmtack." + ep) }

// OutboxFrame is a frame sent and not yet acknowledged.
type OutboxFrame struct {
	Seq   int64
	Frame []byte
}

// Outbox returns up to limit frames ep has not acknowledged, oldest first.
func (k *Keeper) Outbox(ep string, limit int) []OutboxFrame {
	prefix := "rmtout." + ep + "."
	entries, _ := k.scanRange(prefix, prefix, limit)
	out := make([]OutboxFrame, 0, len(entries))
	for _, e := range entries {
		seq, err := strconv.ParseInt(strings.TrimPrefix(e.key, prefix), 10, 64)
		if err != nil {
			panic(StoreError{fmt.Errorf("key %s: not a frame number", e.key)})
		}
		out = append(out, OutboxFrame{seq, []byte(e.value)})
	}
	return out
}

// Acknowledge deletes the frames up to seq that ep acknowledged; a number
// beyond what was sent is refused.
func (k *Keeper) Acknowledge(ep string, seq int64) error {
	acked, sent := k.LastAcked(ep), k.LastSent(ep)
	if seq > sent {
		return fmt.Errorf("acknowledgement of frame %d, but only %d were sent", seq, sent)
	}
	for n := acked + 1; n <= seq; n++ {
		k.del(outboxKey(ep, n))
	}
	if seq > acked {
		k.setInt("rmtack."+ep, seq)
	}
	return nil
}

// LastReceived is the number of the last frame taken in from ep.
func (k *Keeper) LastReceived(ep string) int64 { return k.getInt("rmtin." + ep) }

// SetLastReceived records that frame seq from ep was taken in.
func (k *Keeper) SetLastReceived(ep string, seq int64) { k.setInt("rmtin."+ep, seq) }

func retiringKey(ep, vref string) string { return "rmtret." + ep + "." + vref }

// AddRetiring keeps vref, a promise ep was told the settlement of in
// frame seq, naming kp for what ep sent before it took that frame in. The
// entry holds a reference to kp until it retires.
func (k *Keeper) AddRetiring(ep, vref, kp string, seq int64) {
	k.set(retiringKey(ep, vref), strconv.FormatInt(seq, 10)+" "+kp)
	k.incRef(kp, true)
}

// Retiring returns the promise a retiring vref of ep names.
func (k *Keeper) Retiring(ep, vref string) (string, bool) {
	v, ok := k.get(retiringKey(ep, vref))
	if !ok {
		return "", false
	}
	_, kp, _ := strings.Cut(v, " ")
	return kp, true
}

// Retire drops the retiring entries of ep told in frames up to seq.
func (k *Keeper) Retire(ep string, seq int64) {
	for _, e := range k.scan(retiringKey(ep, "")) {
		n, kp, _ := strings.Cut(e.value, " ")
		if told, err := strconv.ParseInt(n, 10, 64); err == nil && told <= seq {
			k.del(e.key)
			k.decRef(kp, true)
		}
	}
}

func mentionKey(ep, vref string) string { return "rmtmention." + ep + "." + vref }

// SetMentioned records that frame seq to ep named vref, an object of this
// kernel's.
func (k *Keeper) SetMentioned(ep, vref string, seq int64) { k.setInt(mentionKey(ep, vref), seq) }

// Mentioned is the number of the last frame to ep that named vref.
func (k *Keeper) Mentioned(ep, vref string) int64 { return k.getInt(mentionKey(ep, vref)) }

// ForgetMentioned forgets vref's last mention (ep retired it).
func (k *Keeper) ForgetMentioned(ep, vref string) { k.del(mentionKey(ep, vref)) }

// URLToken returns the token issued for kref, if one was.
func (k *Keeper) URLToken(kref string) (string, bool) { return k.get(urlOfKey(kref)) }

// IssueURLToken records token as naming kref; the URL holds a reference,
// so the object lives as long as URLs to it may be redeemed.
func (k *Keeper) IssueURLToken(kref, token string) {
	k.set(urlKey(token), kref)
	k.set(urlOfKey(kref), token)
	k.incRef(kref, true)
}

// URLTarget returns the object token names.
func (k *Keeper) URLTarget(token string) (string, bool) { return k.get(urlKey(token)) }

// Incarnation returns this store's incarnation, made on first use: a
// kernel restarted over the same store is the same incarnation to its
// peers, one over a new store (even with the same key) is not.
func (k *Keeper) Incarnation(make func() string) string {
	inc, ok := k.get("kernel.incarnation")
	if !ok {
		inc = make()
		k.set("kernel.incarnation", inc)
	}
	return inc
}

// RemoteKey returns this kernel's stored private key.
func (k *Keeper) RemoteKey() (string, bool) { return k.get("kernel.remoteKey") }

// SetRemoteKey stores this kernel's private key.
func (k *Keeper) SetRemoteKey(key string) { k.set("kernel.remoteKey", key) }
