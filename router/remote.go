package router

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/router/keeper"
)

// Remote kernels. A peer kernel is an endpoint (r<n>) that the crank loop
// treats much as a vat: it has a c-list, messages and notifies to objects
// and promises it owns are "delivered" to it, and what it sends in are
// applied as that endpoint's syscalls. A delivery to an endpoint is a
// frame written to its durable outbox in the same crank, sent once the
// crank commits, and sent again until the peer acknowledges it; a frame
// taken in commits with the number of the last frame taken, so a crash of
// either kernel neither loses nor repeats a message.
//
// References on the wire are in the sender's c-list for the receiver;
// the receiver flips their sign (the sender's o+3, exported by the
// receiver, is the receiver's o-3). Each endpoint's o-0 is this kernel's
// URL redeemer, and its o+0 is the peer's.
//
// A promise an endpoint was told the settlement of keeps its number for
// messages the peer sent before it took the notify in: the entry is
// retired once the peer acknowledges the notify's frame.

// Transport carries frames to peer kernels; it may drop them (the outbox
// sends them again).
type Transport interface {
	Send(peer string, hints []string, frame []byte) error
	// Hints says where this kernel may be reached now: acknowledgements
	// carry them, so a peer that only ever dialled in can reach back
	// after either kernel restarts.
	Hints() []string
}

// MaxPeers bounds the peer kernels a kernel keeps records of: frames from
// new peers beyond it are refused, so that minting peer IDs cannot grow
// the store without end.
const MaxPeers = 10_000

// maxHints bounds the location hints taken from a peer, and their length.
const maxHints, maxHintLen = 8, 512

// RedeemerService is the kernel service that answers the peers' redeem
// calls for ocap URLs this kernel issued. Only peers reach it, as o-0.
const RedeemerService = "ocapURLRedeemer"

// RetransmitWindow bounds the frames sent again to a peer at once.
const RetransmitWindow = 200

// RetransmitInterval is how often frames a peer has not acknowledged are
// sent again.
const RetransmitInterval = 2 * time.Second

// wireFrame is one frame between kernels: a numbered message or notify,
// or only an acknowledgement (Ack the last frame taken in, Sent the last
// frame sent when it was written).
type wireFrame struct {
	Seq     int64            `json:"seq,omitempty"`
	Inc     string           `json:"inc,omitempty"`
	Hints   []string         `json:"hints,omitempty"`
	Ack     int64            `json:"ack,omitempty"`
	Sent    int64            `json:"sent,omitempty"`
	Deliver *wireMessage     `json:"deliver,omitempty"`
	Notify  []wireResolution `json:"notify,omitempty"`
	GC      *wireGC          `json:"gc,omitempty"`
}

// wireGC tells a peer that the sender dropped (dropExports) or can no
// longer even recognize (retireExports) objects the peer exported to it,
// or that objects the sender exported to the peer are gone for good
// (retireImports: the peer could only still recognize them).
type wireGC struct {
	Kind  string   `json:"kind"`
	Vrefs []string `json:"vrefs"`
}

type wireMessage struct {
	Target   string      `json:"target"`
	Methargs wireCapData `json:"methargs"`
	Result   string      `json:"result,omitempty"`
}

type wireResolution struct {
	Vref     string      `json:"vref"`
	Rejected bool        `json:"rejected,omitempty"`
	Data     wireCapData `json:"data"`
}

type wireCapData struct {
	Body  string   `json:"body"`
	Slots []string `json:"slots,omitempty"`
}

// isRemote says whether an owner or decider is a peer kernel.
func isRemote(id string) bool { return strings.HasPrefix(id, "r") }

// flip turns a vref of the sender's c-list into one of the receiver's.
func flip(vref string) string {
	if len(vref) < 2 {
		return vref
	}
	switch vref[1] {
	case '+':
		return vref[:1] + "-" + vref[2:]
	case '-':
		return vref[:1] + "+" + vref[2:]
	}
	return vref
}

func flipAll(vrefs []string) []string {
	out := make([]string, len(vrefs))
	for i, v := range vrefs {
		out[i] = flip(v)
	}
	return out
}

func toWire(cd *workerpb.CapData) wireCapData {
	return wireCapData{Body: cd.GetBody(), Slots: cd.GetSlots()}
}

func fromWire(cd wireCapData) *workerpb.CapData {
	return &workerpb.CapData{Body: cd.Body, Slots: flipAll(cd.Slots)}
}

// StartRemote connects the kernel to other kernels through t: peers may
// reach this kernel's redeemer, frames not yet acknowledged are sent
// again, and again every RetransmitInterval while unacknowledged.
func (r *Router) StartRemote(ctx context.Context, t Transport, perSecond int) error {
	err := r.do(ctx, func() error {
		r.perSecond = perSecond
		r.redeemer = r.registerService(RedeemerService, r.redeemerHandler, true)
		r.incarnation = r.k.Incarnation(rand.Text)
		return nil
	})
	if err != nil {
		return err
	}
	r.transport.Store(&t)
	go r.retransmitLoop()
	return nil
}

func (r *Router) transportNow() Transport {
	if t := r.transport.Load(); t != nil {
		return *t
	}
	return nil
}

// endpoint returns peer's endpoint, made on first use with the redeemer
// as its o-0; hints, when given, replace where the peer may be reached.
func (r *Router) endpoint(peer string, hints []string) *keeper.Remote {
	rec, ok := r.k.RemoteOf(peer)
	if !ok {
		rec = r.k.NewRemote(peer, hints)
		r.seedRedeemer(rec.ID)
		return rec
	}
	if len(hints) > 0 && !slices.Equal(hints, rec.Hints) {
		rec.Hints = hints
		r.k.SetRemote(rec)
	}
	return rec
}

// checkIncarnation compares the incarnation a frame of rec's peer names
// with the one known: another one means the peer lost its state, so
// everything the kernel holds of it ends now, with an error saying so,
// rather than waiting for answers that will never come.
func (r *Router) checkIncarnation(rec *keeper.Remote, inc string) {
	switch {
	case inc == "" || inc == rec.Incarnation:
		return
	case rec.Incarnation != "":
		r.resetEndpoint(rec)
	}
	rec.Incarnation = inc
	r.k.SetRemote(rec)
}

// resetEndpoint ends what the kernel holds of a peer that lost its
// state: its objects are gone, the promises it decides reject, the frames
// exchanged with it are forgotten.
func (r *Router) resetEndpoint(rec *keeper.Remote) {
	why := fmt.Sprintf("kernel %s lost its state (it came back with a new store)", rec.Peer)
	r.log.Warn("a peer kernel lost its state; its objects and promises end here", "peer", rec.Peer, "endpoint", rec.ID)
	for _, e := range r.k.CList(rec.ID) {
		kind, theirs, _ := parseVref(e.Vref)
		switch {
		case kind == 'o' && theirs:
			if _, gone := r.k.ObjectGone(e.Kref); !gone {
				r.k.SetObjectGone(e.Kref, fmt.Sprintf("[KERNEL:%s] object %s no longer exists: %s", CodeObjectDeleted, e.Kref, why))
			}
		case kind == 'p':
			if p, ok := r.promise(e.Kref); ok && p.State == unresolved && p.Decider == rec.ID {
				r.resolve(e.Kref, true, kernelError("", "%s", why))
			}
		}
		r.k.CListDrop(rec.ID, e.Vref, e.Kref)
	}
	r.k.ResetRemote(rec.ID)
	r.seedRedeemer(rec.ID)
}

// seedRedeemer makes the redeemer endpoint ep's o-0, the one object a
// peer reaches without being handed it.
func (r *Router) seedRedeemer(ep string) {
	if r.redeemer != "" {
		r.k.CListAdd(ep, "o-0", r.redeemer)
	}
}

// deliverRemote writes a message or notify for endpoint ep to its outbox;
// it goes out once the crank commits. A peer is told of every promise it
// is handed, as liveslots subscribes for a vat.
func (r *Router) deliverRemote(ep string, d *workerpb.Delivery) error {
	rec, ok := r.k.Remote(ep)
	if !ok {
		return fmt.Errorf("no remote kernel %s", ep)
	}
	f := wireFrame{Ack: r.k.LastReceived(ep), Inc: r.incarnation}
	var slots []string
	switch k := d.Kind.(type) {
	case *workerpb.Delivery_Message:
		m := k.Message
		f.Deliver = &wireMessage{Target: m.Target, Methargs: toWire(m.Methargs), Result: m.Result}
		slots = m.Methargs.GetSlots()
	case *workerpb.Delivery_Notify:
		for _, res := range k.Notify.Resolutions {
			f.Notify = append(f.Notify, wireResolution{Vref: res.Vref, Rejected: res.Rejected, Data: toWire(res.Data)})
			slots = append(slots, res.Data.GetSlots()...)
		}
	case *workerpb.Delivery_DropExports:
		f.GC = &wireGC{Kind: keeper.DropExports, Vrefs: k.DropExports.GetVrefs()}
	case *workerpb.Delivery_RetireExports:
		f.GC = &wireGC{Kind: keeper.RetireExports, Vrefs: k.RetireExports.GetVrefs()}
	case *workerpb.Delivery_RetireImports:
		f.GC = &wireGC{Kind: keeper.RetireImports, Vrefs: k.RetireImports.GetVrefs()}
	default:
		return nil // a peer keeps what it imported until it drops it
	}
	for _, vref := range slots {
		if strings.HasPrefix(vref, "p-") {
			if kp, ok := r.k.KrefOf(ep, vref); ok {
				r.subscribe(ep, kp)
			}
		}
	}
	seq, frame := r.k.AppendOutbox(ep, func(seq int64) []byte {
		f.Seq = seq
		b, _ := json.Marshal(f)
		return b
	})
	for _, vref := range slots {
		if strings.HasPrefix(vref, "o-") {
			r.k.SetMentioned(ep, vref, seq)
		}
	}
	for _, res := range f.Notify {
		if kp, ok := r.k.KrefOf(ep, res.Vref); ok {
			r.k.CListDrop(ep, res.Vref, kp)
			r.k.AddRetiring(ep, res.Vref, kp, seq)
		}
	}
	r.cur.frames = append(r.cur.frames, outFrame{peer: rec.Peer, hints: rec.Hints, frame: frame})
	return nil
}

// Receive takes in a frame from peer: a numbered one is applied as the
// peer's syscalls in a crank of its own, once and in order, then
// acknowledged. Frames out of order are dropped (the peer sends them
// again); a frame that breaks the rules is logged and skipped.
func (r *Router) Receive(peer string, msg []byte) {
	if len(msg) == 0 || msg[0] != '[' {
		r.receive(peer, msg)
		return
	}
	var frames []json.RawMessage
	if err := json.Unmarshal(msg, &frames); err != nil {
		r.log.Warn("refused a malformed batch of frames from a remote kernel", "peer", peer, "error", err)
		r.obs.Remote("refused")
		return
	}
	for _, f := range frames {
		r.receive(peer, f)
	}
}

func (r *Router) receive(peer string, frame []byte) {
	var f wireFrame
	if err := json.Unmarshal(frame, &f); err != nil || f.Seq < 0 || f.Ack < 0 {
		r.log.Warn("refused a malformed frame from a remote kernel", "peer", peer, "error", err)
		r.obs.Remote("refused")
		return
	}
	// The loop takes it in its own time: frames that arrive while a
	// commit runs go in the next one together, and are acknowledged once
	// it is durable.
	r.post(func() { r.takeFrameFrom(peer, &f) })
}

// takeFrameFrom applies a frame from peer, on the loop goroutine.
func (r *Router) takeFrameFrom(peer string, f *wireFrame) {
	if f.Seq == 0 {
		_ = r.crank(func() error {
			if rec, ok := r.k.RemoteOf(peer); ok {
				r.checkIncarnation(rec, f.Inc)
			}
			r.acknowledged(peer, f.Ack, f.Sent)
			r.noteHints(peer, f.Hints)
			return nil
		})
		return
	}
	r.obs.Remote("received")
	var ack, sent int64
	var illegalErr error
	stranger := false
	err := r.crank(func() error {
		if _, known := r.k.RemoteOf(peer); !known {
			if f.Seq != 1 {
				// Not a first frame: the peer knew this kernel's store
				// before (it was lost). The acknowledgement tells it so.
				r.obs.Remote("duplicate")
				return nil
			}
			if stranger = r.k.RemoteCount() >= MaxPeers; stranger {
				return nil
			}
		}
		ep := r.sender(peer, f).ID
		last := r.k.LastReceived(ep)
		ack, sent = last, r.k.LastSent(ep)
		if f.Seq != last+1 {
			r.obs.Remote("duplicate")
			return nil
		}
		r.k.SetLastReceived(ep, f.Seq)
		ack = f.Seq
		if err := r.takeIn(ep, f); err != nil {
			illegalErr = err
			return err
		}
		r.acknowledged(peer, f.Ack, f.Seq)
		return nil
	})
	if stranger {
		r.log.Warn("refused a frame from a new peer kernel: this kernel already knows as many as it keeps", "peer", peer, "max", MaxPeers)
		r.obs.Remote("refused")
		return
	}
	if illegalErr != nil {
		// Skip it for good: sending it again would fail again.
		r.log.Warn("refused a frame from a remote kernel", "peer", peer, "seq", f.Seq, "error", illegalErr)
		r.obs.Remote("refused")
		err = r.crank(func() error {
			ep := r.sender(peer, f).ID
			if r.k.LastReceived(ep) == f.Seq-1 {
				r.k.SetLastReceived(ep, f.Seq)
				r.rejectRefused(ep, f, illegalErr)
			}
			ack, sent = r.k.LastReceived(ep), r.k.LastSent(ep)
			return nil
		})
	}
	if err != nil {
		return
	}
	// Acknowledged even when nothing was taken: the peer learns this
	// kernel's incarnation, so a peer that lost its state is found out.
	if t := r.transportNow(); t != nil {
		b, _ := json.Marshal(wireFrame{Ack: ack, Sent: sent, Hints: t.Hints(), Inc: r.incarnation})
		r.afterCommit(outFrame{peer: peer, frame: b, ackOnly: true})
	}
}

// retiring returns the promise a peer's retiring vref still names (vats
// have none: the kernel answers them in step).
func (r *Router) retiring(vat, vref string) (string, bool) {
	if !isRemote(vat) {
		return "", false
	}
	return r.k.Retiring(vat, vref)
}

// sender is the endpoint of the peer a numbered frame came from, made on
// first use, with the incarnation the frame names checked.
func (r *Router) sender(peer string, f *wireFrame) *keeper.Remote {
	rec := r.endpoint(peer, nil)
	r.checkIncarnation(rec, f.Inc)
	return rec
}

// rejectRefused settles the result of a refused message with why, so the
// peer's sender hears of it rather than waiting.
func (r *Router) rejectRefused(ep string, f *wireFrame, why error) {
	if f.Deliver == nil || f.Deliver.Result == "" {
		return
	}
	kp, err := r.kernelRef(ep, flip(f.Deliver.Result), true)
	if err != nil {
		return
	}
	r.resolve(kp, true, kernelError("", "kernel refused the message: %v", why))
	r.subscribe(ep, kp)
}

// noteHints keeps where a known peer says it may be reached.
func (r *Router) noteHints(peer string, hints []string) {
	rec, ok := r.k.RemoteOf(peer)
	if !ok || len(hints) == 0 {
		return
	}
	hints = hints[:min(len(hints), maxHints)]
	for _, h := range hints {
		if len(h) > maxHintLen {
			return
		}
	}
	if !slices.Equal(hints, rec.Hints) {
		rec.Hints = hints
		r.k.SetRemote(rec)
	}
}

// takeIn applies a numbered frame from endpoint ep. A peer is held to
// the c-list bound of a vat: it cannot make the kernel keep references
// without end.
func (r *Router) takeIn(ep string, f *wireFrame) error {
	if err := r.takeFrame(ep, f); err != nil {
		return err
	}
	if n, l := r.k.CListSize(ep), r.vatLimits(ep); n > l.MaxCListEntries {
		return illegal("remote kernel %s would hold %d references, over maxCListEntries (%d)", ep, n, l.MaxCListEntries)
	}
	return nil
}

func (r *Router) takeFrame(ep string, f *wireFrame) error {
	if m := f.Deliver; m != nil {
		s := &workerpb.Send{Target: flip(m.Target), Methargs: fromWire(m.Methargs), Result: flip(m.Result)}
		if err := r.syscallSend(ep, s); err != nil {
			return err
		}
		if s.Result != "" {
			if kp, ok := r.k.KrefOf(ep, s.Result); ok {
				r.subscribe(ep, kp)
			}
		}
	}
	if g := f.GC; g != nil {
		return r.takeGC(ep, g, f.Ack)
	}
	if len(f.Notify) > 0 {
		res := &workerpb.Resolve{}
		for _, n := range f.Notify {
			res.Resolutions = append(res.Resolutions, &workerpb.Resolution{Vref: flip(n.Vref), Rejected: n.Rejected, Data: fromWire(n.Data)})
		}
		return r.syscallResolve(ep, res)
	}
	return nil
}

// takeGC applies a peer's drop or retirement of objects this kernel
// exported to it, as the endpoint's dropImports or retireImports, and the
// end of objects it exported, as its retireExports. A drop of one that
// this kernel handed the peer again in a frame the peer had not taken in
// when it decided (after ack) is skipped: the peer holds it again, and
// will say so again when it lets go.
func (r *Router) takeGC(ep string, g *wireGC, ack int64) error {
	kind := map[string]string{
		keeper.DropExports:   "dropImports",
		keeper.RetireExports: "retireImports",
		keeper.RetireImports: "retireExports",
	}[g.Kind]
	if kind == "" {
		return illegal("remote kernel %s sent garbage collection of unknown kind %q", ep, g.Kind)
	}
	var vrefs []string
	for _, v := range g.Vrefs {
		vref := flip(v)
		if r.k.Mentioned(ep, vref) > ack {
			continue
		}
		if kind == "retireImports" {
			r.k.ForgetMentioned(ep, vref)
		}
		vrefs = append(vrefs, vref)
	}
	return r.gcSyscall(ep, kind, vrefs)
}

// acknowledged applies peer's acknowledgement of the frames up to ack,
// written when it had sent frames up to sent: those frames leave the
// outbox, and once every frame the peer sent before then was taken in,
// the promises it was told of by them are retired.
func (r *Router) acknowledged(peer string, ack, sent int64) {
	rec, ok := r.k.RemoteOf(peer)
	if !ok || ack == 0 {
		return
	}
	if err := r.k.Acknowledge(rec.ID, ack); err != nil {
		r.log.Warn("refused an acknowledgement from a remote kernel", "peer", peer, "error", err)
		r.obs.Remote("refused")
		return
	}
	if r.k.LastReceived(rec.ID) >= sent {
		r.k.Retire(rec.ID, ack)
	}
}
