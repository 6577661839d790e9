package router_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// A host message reaches the root object, and its result comes back.
func TestMessageAndResult(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		v.Root().On("add", func(c *platformtest.Call) {
			c.Return(c.Arg(0).(float64) + c.Arg(1).(float64))
		})
	})
	sc := h.launch(cluster("alice"))
	if got := h.mustCall(sc.Root, "add", 2, 3); got != 5.0 {
		t.Fatalf("add(2, 3) = %v", got)
	}
	if got := h.mustCall(sc.Roots["alice"], "hello"); got != "alice says hello" {
		t.Fatalf("hello() = %v", got)
	}
	// A method the object lacks rejects its result; the vat lives on.
	h.rejects(sc.Root, "nope", nil, `target has no method "nope"`)
	h.mustCall(sc.Root, "hello")
	// Thrown errors keep their name and message.
	defineVat(h.l, "thrower", func(v *platformtest.Vat) {
		v.Root().On("fail", func(c *platformtest.Call) { c.Throw("RangeError", "too far") })
	})
	sc2 := h.launch(cluster("thrower"))
	s, err := h.r.QueueMessage(h.ctx, sc2.Root, methargs("fail"))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := s.Data.Unmarshal()
	if me, ok := v.(*marshal.Error); !s.Rejected || !ok || me.Name != "RangeError" || me.Message != "too far" {
		t.Fatalf("fail() settled with %+v (%#v)", s, v)
	}
}

// An object a vat exports travels to the host, and messages to it reach it;
// between vats a capability passed as an argument is usable by the receiver.
func TestExportsAndThirdPartyMessages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		v.Root().On("makeCounter", func(c *platformtest.Call) {
			n := 0.0
			counter := c.NewObject("Alleged: counter")
			counter.On("incr", func(c *platformtest.Call) { n++; c.Return(n) })
			c.Return(counter.Ref())
		})
	})
	defineVat(h.l, "bob", func(v *platformtest.Vat) {
		// bump(counter): sends incr to a capability it was given.
		v.Root().On("bump", func(c *platformtest.Call) {
			c.Return(platformtest.Ref(c.Send(c.Arg(0), "incr")))
		})
	})
	sc := h.launch(cluster("alice", "bob"))
	got := h.mustCall(sc.Root, "makeCounter")
	counter := refOf(t, got)
	if iface := got.(marshal.Ref).Iface; iface != "Alleged: counter" {
		t.Errorf("the counter's interface is %q", iface)
	}
	if n := h.mustCall(counter, "incr"); n != 1.0 {
		t.Fatalf("incr() = %v", n)
	}
	if n := h.mustCall(sc.Roots["bob"], "bump", ref(counter)); n != 2.0 {
		t.Fatalf("bob.bump(counter) = %v", n)
	}
	if n := h.mustCall(counter, "incr"); n != 3.0 {
		t.Fatalf("incr() after bob's = %v", n)
	}
}

// defineWatcher defines alice, who sends and records each result as it
// settles (a rejection as "rejected: <message>"): ask(target, method) sends
// one message, fanOut(target, n) sends echo(i) for each i < n, seen answers
// the results in the order they came. Bob answers answer with 42, refuses
// refuse, and echoes echo's argument.
func defineWatcher(h *harness) {
	var seen []any // alice's, read only through her own methods
	record := func(v *platformtest.Vat, r platformtest.Resolution) {
		if r.Rejected {
			seen = append(seen, "rejected: "+r.Value.(*marshal.Error).Message)
			return
		}
		seen = append(seen, r.Value)
	}
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		v.Root().
			On("ask", func(c *platformtest.Call) {
				c.Watch(c.Send(c.Arg(0), c.Arg(1).(string)), record)
				c.Return("asked")
			}).
			On("fanOut", func(c *platformtest.Call) {
				for i := range int(c.Arg(1).(float64)) {
					c.Watch(c.Send(c.Arg(0), "echo", i), record)
				}
				c.Return("sent")
			}).
			On("seen", func(c *platformtest.Call) { c.Return(seen) })
	})
	defineVat(h.l, "bob", func(v *platformtest.Vat) {
		v.Root().On("answer", func(c *platformtest.Call) { c.Return(42) })
		v.Root().On("refuse", func(c *platformtest.Call) { c.Throw("Error", "no") })
		v.Root().On("echo", func(c *platformtest.Call) { c.Return(c.Arg(0)) })
	})
}

// awaitSeen waits until the watcher alice at root has seen n results and
// returns them.
func (h *harness) awaitSeen(root string, n int) []any {
	h.t.Helper()
	testutil.WaitFor(h.t, liveness, fmt.Sprintf("alice to see %d results", n), func() bool {
		return len(h.mustCall(root, "seen").([]any)) == n
	})
	return h.mustCall(root, "seen").([]any)
}

// A vat that subscribes to a promise gets a notify with its settlement.
func TestSubscribeAndNotify(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineWatcher(h)
	sc := h.launch(cluster("alice", "bob"))
	h.mustCall(sc.Root, "ask", ref(sc.Roots["bob"]), "answer")
	h.mustCall(sc.Root, "ask", ref(sc.Roots["bob"]), "refuse")
	got := h.awaitSeen(sc.Root, 2)
	if got[0] != 42.0 || got[1] != "rejected: no" {
		t.Fatalf("alice saw %v", got)
	}
}

// The results of many sends settle in one notify delivery when their
// notifies follow each other in the run queue, in the order they were
// settled; a notify for another vat in between ends the batch.
func TestConsecutiveNotifiesShareADelivery(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineWatcher(h)
	sc := h.launch(cluster("alice", "bob"))
	const alice = "v1" // the first vat launched
	before := h.l.Count(platformtest.Match{VatID: alice, Kind: platformtest.KindNotify})
	h.mustCall(sc.Root, "fanOut", ref(sc.Roots["bob"]), 5)
	// No host call to alice until her first notify: a call queued among
	// the notifies would end the batch (as the rule says it should).
	testutil.WaitFor(t, liveness, "alice's first notify", func() bool {
		return h.l.Count(platformtest.Match{VatID: alice, Kind: platformtest.KindNotify}) > before
	})
	if got := h.awaitSeen(sc.Root, 5); fmt.Sprint(got) != "[0 1 2 3 4]" {
		t.Fatalf("alice saw %v, want [0 1 2 3 4]", got)
	}
	if n := h.l.Count(platformtest.Match{VatID: alice, Kind: platformtest.KindNotify}) - before; n != 1 {
		t.Fatalf("alice got her 5 results in %d notify deliveries, want 1", n)
	}
}

// A promise resolved to another promise follows it: the host waiting on
// the first gets what the second settles to, whether the second is decided
// by another vat or later by the same one.
func TestPromiseForwarding(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var later string // alice's
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		v.Root().
			On("later", func(c *platformtest.Call) {
				later = c.NewPromise()
				c.Return(platformtest.Ref(later)) // forwards the result to a promise alice decides
			}).
			On("settle", func(c *platformtest.Call) {
				c.Resolve(later, c.Arg(0))
				c.Return(nil)
			})
	})
	defineVat(h.l, "bob", func(v *platformtest.Vat) {
		v.Root().On("answer", func(c *platformtest.Call) { c.Return("bob's answer") })
	})
	sc := h.launch(cluster("alice", "bob"))

	// relay returns the result promise of its send to bob: forwarded.
	if got := h.mustCall(sc.Root, "relay", ref(sc.Roots["bob"]), "answer"); got != "bob's answer" {
		t.Fatalf("relay = %v", got)
	}

	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := h.call(sc.Root, "later")
		done <- result{v, err}
	}()
	// Only once later has been delivered does settle find its promise:
	// later is the first message, settle the second, on one run queue.
	testutil.WaitFor(t, liveness, "later to be delivered", func() bool {
		return h.l.Count(platformtest.Match{VatName: "alice", Method: "later"}) == 1
	})
	h.mustCall(sc.Root, "settle", "settled later")
	if r := <-done; r.err != nil || r.v != "settled later" {
		t.Fatalf("later() = %v, %v", r.v, r.err)
	}
}

// promiseMaker is a vat that hands out promises it decides (inside a
// record, so that they are not forwarded) and settles them when told.
func promiseMaker(l *platformtest.Launcher, name string) {
	defineVat(l, name, func(v *platformtest.Vat) {
		var ps []string
		v.Root().
			On("makePromise", func(c *platformtest.Call) {
				p := c.NewPromise()
				ps = append(ps, p)
				c.Return(map[string]any{"p": platformtest.Ref(p)})
			}).
			// resolve(i, value): fulfil promise i with value.
			On("resolve", func(c *platformtest.Call) {
				c.Resolve(ps[int(c.Arg(0).(float64))], c.Arg(1))
				c.Return(nil)
			}).
			On("reject", func(c *platformtest.Call) {
				c.Reject(ps[int(c.Arg(0).(float64))], &marshal.Error{Name: "Error", Message: c.Arg(1).(string)})
				c.Return(nil)
			}).
			// resolveToThing(i): fulfil promise i with a new object whose
			// foo() answers "thing <i>".
			On("resolveToThing", func(c *platformtest.Call) {
				i := int(c.Arg(0).(float64))
				thing := c.NewObject("Alleged: thing")
				thing.On("foo", func(c *platformtest.Call) { c.Return("thing " + strconv.Itoa(i)) })
				c.Resolve(ps[i], thing.Ref())
				c.Return(nil)
			}).
			// resolveToPromise(i, j): resolve promise i to promise j.
			On("resolveToPromise", func(c *platformtest.Call) {
				c.Resolve(ps[int(c.Arg(0).(float64))], platformtest.Ref(ps[int(c.Arg(1).(float64))]))
				c.Return(nil)
			}).
			// resolveTo(i, p): resolve promise i to promise p it was given.
			On("resolveTo", func(c *platformtest.Call) {
				c.Resolve(ps[int(c.Arg(0).(float64))], c.Arg(1))
				c.Return(nil)
			})
	})
}

// senderVat is a vat that sends messages for the host and records how
// their results settle: the host's next call reaches the kernel only once
// the send is in the run queue, which orders the send before it.
//
//	send(target, method, ...args) → i    sends, subscribes to result i
//	results() → [...]                    each result's value, "pending",
//	                                     or "rejected: <message>"
func senderVat(l *platformtest.Launcher, name string) {
	defineVat(l, name, func(v *platformtest.Vat) {
		var results []any
		v.Root().
			On("send", func(c *platformtest.Call) {
				i := len(results)
				results = append(results, "pending")
				p := c.Send(c.Arg(0), c.Arg(1).(string), c.Args[2:]...)
				c.Watch(p, func(v *platformtest.Vat, r platformtest.Resolution) {
					if me, ok := r.Value.(*marshal.Error); ok && r.Rejected {
						results[i] = "rejected: " + me.Message
						return
					}
					results[i] = r.Value
				})
				c.Return(i)
			}).
			On("results", func(c *platformtest.Call) { c.Return(results) })
	})
}

// settled waits until result i of a senderVat is no longer pending.
func (h *harness) settled(sender string, i int) any {
	h.t.Helper()
	var got any
	testutil.WaitFor(h.t, liveness, fmt.Sprintf("result %d of %s to settle", i, sender), func() bool {
		rs := h.mustCall(sender, "results").([]any)
		got = rs[i]
		return got != "pending"
	})
	return got
}

// Messages sent to an unresolved promise wait on it, in order, and go
// where it settles: to the object it resolves to, to a rejection, to an
// Error naming the kind of data it was fulfilled with, or on to the promise
// it was resolved to.
func TestPipelining(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	promiseMaker(h.l, "alice")
	senderVat(h.l, "bob")
	sc := h.launch(cluster("alice", "bob"))
	alice, bob := sc.Roots["alice"], sc.Roots["bob"]
	makePromise := func() string { return field(t, h.mustCall(alice, "makePromise"), "p") }
	send := func(target, method string) int {
		return int(h.mustCall(bob, "send", ref(target), method).(float64))
	}

	// Queued on a promise later resolved to an object: delivered there,
	// in the order sent.
	p0 := makePromise()
	first, second := send(p0, "foo"), send(p0, "bar")
	h.mustCall(alice, "resolveToThing", 0)
	if got := h.settled(bob, first); got != "thing 0" {
		t.Fatalf("foo() queued on a promise resolved to an object = %v", got)
	}
	if got := h.settled(bob, second); got != `rejected: target has no method "bar"` {
		t.Fatalf("bar() queued on a promise resolved to an object = %v", got)
	}
	// Sent after it resolved: straight to the object.
	if got := h.mustCall(p0, "foo"); got != "thing 0" {
		t.Fatalf("foo() on a resolved promise = %v", got)
	}

	// Fulfilled with data: an Error naming the data's kind.
	p1 := makePromise()
	queued := send(p1, "foo")
	h.mustCall(alice, "resolve", 1, "just a string")
	if got, _ := h.settled(bob, queued).(string); !strings.Contains(got, `cannot deliver "foo"`) ||
		!strings.Contains(got, `a string ("just a string"), not an object`) {
		t.Fatalf("send queued on a promise fulfilled with a string: %v", got)
	}
	h.rejects(p1, "foo", nil, `a string ("just a string")`, "not an object")
	for i, c := range []struct {
		value any
		kind  string
	}{{7, "a number (7)"}, {map[string]any{"a": 1}, "a record"}, {[]any{1}, "an array"}, {nil, "null"}, {true, "a boolean (true)"}} {
		p := makePromise()
		h.mustCall(alice, "resolve", 2+i, c.value)
		h.rejects(p, "foo", nil, c.kind, "not an object")
	}

	// Rejected: queued sends reject with the same reason.
	p7 := makePromise()
	queued = send(p7, "foo")
	h.mustCall(alice, "reject", 7, "broken promise")
	if got := h.settled(bob, queued); got != "rejected: broken promise" {
		t.Fatalf("send queued on a rejected promise: %v", got)
	}
	h.rejects(p7, "foo", nil, "broken promise")

	// Resolved to another unresolved promise: what waits on the first
	// moves to the second, then goes to the object that one resolves to.
	p8, p9 := makePromise(), makePromise()
	before := send(p8, "foo")
	h.mustCall(alice, "resolveToPromise", 8, 9)
	after := send(p8, "foo") // sent once p8 follows p9
	direct := send(p9, "foo")
	h.mustCall(alice, "resolveToThing", 9)
	for _, i := range []int{before, after, direct} {
		if got := h.settled(bob, i); got != "thing 9" {
			t.Fatalf("send %d through a forwarded promise = %v", i, got)
		}
	}
}

// A vat pipelines: it sends to the result of a send it has not seen
// settle, and the kernel queues that send until the first result is known.
func TestVatPipelining(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		// E(E(bob).getThing()).foo()
		v.Root().On("pipeline", func(c *platformtest.Call) {
			p := c.Send(c.Arg(0), "getThing")
			c.Return(platformtest.Ref(c.Send(platformtest.Ref(p), "foo")))
		})
	})
	defineVat(h.l, "bob", func(v *platformtest.Vat) {
		v.Root().On("getThing", func(c *platformtest.Call) {
			thing := c.NewObject("Alleged: thing")
			thing.On("foo", func(c *platformtest.Call) { c.Return("bob's thing") })
			c.Return(thing.Ref())
		})
	})
	sc := h.launch(cluster("alice", "bob"))
	if got := h.mustCall(sc.Root, "pipeline", ref(sc.Roots["bob"])); got != "bob's thing" {
		t.Fatalf("pipeline = %v", got)
	}
}

// Two vats resolve each one's promise to the other's, in two deliveries:
// the cycle can never settle, so both promises reject, and so does every
// message sent to them.
func TestPromiseCycleRejected(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	promiseMaker(h.l, "alice")
	promiseMaker(h.l, "bob")
	senderVat(h.l, "carol")
	sc := h.launch(cluster("alice", "bob", "carol"))
	alice, bob, carol := sc.Roots["alice"], sc.Roots["bob"], sc.Roots["carol"]
	pa := field(t, h.mustCall(alice, "makePromise"), "p")
	pb := field(t, h.mustCall(bob, "makePromise"), "p")
	queuedA, queuedB := int(h.mustCall(carol, "send", ref(pa), "foo").(float64)), int(h.mustCall(carol, "send", ref(pb), "foo").(float64))
	h.mustCall(alice, "resolveTo", 0, ref(pb)) // one delivery to alice
	h.mustCall(bob, "resolveTo", 0, ref(pa))   // one to bob: the cycle closes
	for _, i := range []int{queuedA, queuedB} {
		if got, _ := h.settled(carol, i).(string); !strings.Contains(got, "rejected: ") || !strings.Contains(got, "cycle") {
			t.Fatalf("a send queued on a promise of the cycle settled with %v", got)
		}
	}
	h.rejects(pa, "foo", nil, "cycle")
	h.rejects(pb, "foo", nil, "cycle")
	// Both vats carry on.
	h.mustCall(alice, "hello")
	h.mustCall(bob, "hello")
}

// Two promises a vat resolves to each other in one resolve syscall meet as
// a cycle, which rejects them both.
func TestPromisesResolvedToEachOtherInOneSyscall(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		v.Root().On("pair", func(c *platformtest.Call) {
			a, b := v.NewPromise(), v.NewPromise()
			c.Return([]any{platformtest.Ref(a), platformtest.Ref(b)})
			res := func(vref, to string) *workerpb.Resolution {
				data := platformtest.Marshal(platformtest.Ref(to))
				return &workerpb.Resolution{Vref: vref, Data: &workerpb.CapData{Body: data.Body, Slots: data.Slots}}
			}
			v.Syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_Resolve{Resolve: &workerpb.Resolve{
				Resolutions: []*workerpb.Resolution{res(a, b), res(b, a)},
			}}})
		})
	})
	sc := h.launch(cluster("alice"))
	got, ok := h.mustCall(sc.Root, "pair").([]any)
	if !ok || len(got) != 2 {
		t.Fatalf("pair = %v", got)
	}
	for _, p := range got {
		h.rejects(p.(marshal.Ref).Kref, "anything", nil, "a cycle of promises never settles")
	}
	if vats, _ := h.status(); len(vats) != 1 {
		t.Fatalf("alice was terminated: %v", vats)
	}
}
