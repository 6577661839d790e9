package liveslots

import (
	"sort"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// incarnations runs a vat bundle over a vatstore that outlives each
// worker: every vatstore write a delivery makes is applied to it, as the
// kernel does, and restart starts a fresh Vat over what it holds.
type incarnations struct {
	t      *testing.T
	bundle string
	params *workerpb.CapData
	store  map[string]string
	v      *Vat
}

func newIncarnations(t *testing.T, name string) *incarnations {
	in := &incarnations{t: t, bundle: readBundle(t, name), store: map[string]string{}}
	in.restart()
	return in
}

func (in *incarnations) apply(res *workerpb.DeliveryResult) []string {
	in.t.Helper()
	if res.Error != "" {
		in.t.Fatalf("delivery error: %s", res.Error)
	}
	for _, s := range res.Syscalls {
		switch k := s.GetKind().(type) {
		case *workerpb.Syscall_VatstoreSet:
			in.store[k.VatstoreSet.GetKey()] = k.VatstoreSet.GetValue()
		case *workerpb.Syscall_VatstoreDelete:
			delete(in.store, k.VatstoreDelete)
		}
	}
	return describeAll(res.Syscalls)
}

func (in *incarnations) snapshot() []*workerpb.VatstoreEntry {
	keys := make([]string, 0, len(in.store))
	for k := range in.store {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*workerpb.VatstoreEntry, len(keys))
	for i, k := range keys {
		out[i] = &workerpb.VatstoreEntry{Key: k, Value: in.store[k]}
	}
	return out
}

// start starts a fresh worker and answers its start error ("" if none).
func (in *incarnations) start() string {
	in.t.Helper()
	if in.v != nil {
		in.v.Close()
	}
	in.v = newVat(in.t)
	res := in.v.Deliver(startDelivery(in.bundle, in.params, in.snapshot()))
	if res.Error != "" {
		return res.Error
	}
	in.apply(res)
	return ""
}

func (in *incarnations) restart() {
	in.t.Helper()
	if err := in.start(); err != "" {
		in.t.Fatalf("startVat: %s", err)
	}
}

// send delivers methargs to target with result p-1 and returns the
// resolution line, the other syscalls dropped.
func (in *incarnations) send(target, methargs string, slots ...string) string {
	in.t.Helper()
	lines := in.apply(in.v.Deliver(messageDelivery(target, capdata(methargs, slots...), "p-1")))
	for _, l := range lines {
		if strings.HasPrefix(l, "resolve p-1 ") {
			return strings.TrimPrefix(l, "resolve p-1 ")
		}
	}
	in.t.Fatalf("%s to %s: no resolution in %q", methargs, target, lines)
	return ""
}

func (in *incarnations) expect(target, methargs, want string, slots ...string) {
	in.t.Helper()
	if got := in.send(target, methargs, slots...); got != want {
		in.t.Fatalf("%s to %s: got %s, want %s", methargs, target, got, want)
	}
}

func TestDurableKindSurvivesRestart(t *testing.T) {
	in := newIncarnations(t, "durable.js")
	in.expect("o+0", `#["makeCounter",["a",5]]`, `ok #"$0.Alleged: counter" [o+d10/1]`)
	in.expect("o+d10/1", `#["increment",[]]`, `ok #6 []`)
	in.expect("o+0", `#["makeCounter",["b",0]]`, `ok #"$0.Alleged: counter" [o+d10/2]`)

	in.restart()
	// The same vrefs, their state, and behaviour from the new incarnation.
	in.expect("o+d10/1", `#["increment",[]]`, `ok #7 []`)
	in.expect("o+d10/2", `#["read",[]]`, `ok #"b=0" []`)
	in.expect("o+0", `#["lookup",["a"]]`, `ok #"$0.Alleged: counter" [o+d10/1]`)
	in.expect("o+0", `#["names",[]]`, `ok #["a","b"] []`)
	in.expect("o+0", `#["size",[]]`, `ok #2 []`)
}

func TestDurableExoClassKitSurvivesRestart(t *testing.T) {
	in := newIncarnations(t, "durable.js")
	kit := in.send("o+0", `#["makeAccount",["alice"]]`)
	if !strings.Contains(kit, "[o+d11/1:0 o+d11/1:1]") {
		t.Fatalf("makeAccount: got %s, want the admin and holder facets of o+d11/1", kit)
	}
	in.expect("o+d11/1:1", `#["deposit",[10]]`, `ok #10 []`)
	in.restart()
	in.expect("o+d11/1:1", `#["deposit",[5]]`, `ok #15 []`)
	in.expect("o+d11/1:0", `#["audit",[]]`, `ok #15 []`)
	in.expect("o+d11/1:0", `#["owner",[]]`, `ok #"alice" []`)
	// The interface guard of the redefined class still holds.
	got := in.send("o+d11/1:1", `#["deposit",["x"]]`)
	if !strings.Contains(got, `Must be a number`) {
		t.Fatalf("deposit(\"x\"): got %s, want a guard rejection", got)
	}
}

func TestDurableKindNotRedefinedFailsStart(t *testing.T) {
	in := newIncarnations(t, "durable.js")
	in.expect("o+0", `#["makeCounter",["a",1]]`, `ok #"$0.Alleged: counter" [o+d10/1]`)
	in.params = capdata(`#{"skipCounter":true}`)
	err := in.start()
	if !strings.Contains(err, `defineDurableKind not called for tags: [counter,account]`) &&
		!strings.Contains(err, `defineDurableKind not called for tags: [counter]`) {
		t.Fatalf("start without redefining: got %q, want a defineDurableKind error", err)
	}
}

func TestDurableStorageRefusesEphemeral(t *testing.T) {
	in := newIncarnations(t, "durable.js")
	if got := in.send("o+0", `#["storeVirtual",[]]`); !strings.Contains(got, `baggage.init(\"v\"): cannot store the local object [Alleged: ephemeral]: it is not durable`) {
		t.Fatalf("storeVirtual: got %s", got)
	}
	if got := in.send("o+0", `#["storeLocal",[]]`); !strings.Contains(got, `cannot store the local object [Alleged: local]`) {
		t.Fatalf("storeLocal: got %s", got)
	}
	in.expect("o+0", `#["canBeDurable",[]]`, `ok #[true,false,true] []`)
}
