package liveslots

import (
	"strings"
	"testing"

	"github.com/ocapgo/ocap/proto/workerpb"
)

func TestStartVatFailures(t *testing.T) {
	cases := []struct {
		bundle string
		want   string // exact, or a prefix when it ends with "..."
	}{
		{"start_throws.js", "buildRootObject failed: TypeError: no root today"},
		{"start_rejects.js", "buildRootObject failed: RangeError: later, no root"},
		{"start_nonremotable.js", "buildRootObject must return a remotable (makeDefaultExo), got an object ..."},
		{"start_pending.js", "buildRootObject returned a promise that did not settle"},
		{"start_badimport.js", `bundle evaluation failed: Error: cannot resolve "node:fs": a vat can require only the worker's built-in modules (@endo/eventual-send, ...`},
		{"start_syntax.js", "cannot compile bundle test.bundle.js: ..."},
	}
	for _, c := range cases {
		t.Run(c.bundle, func(t *testing.T) {
			v := newVat(t)
			res := v.Deliver(startDelivery(readBundle(t, c.bundle), nil, nil))
			if prefix, ok := strings.CutSuffix(c.want, "..."); ok {
				if !strings.HasPrefix(res.Error, prefix) {
					t.Fatalf("error %q, want prefix %q", res.Error, prefix)
				}
			} else if res.Error != c.want {
				t.Fatalf("error %q, want %q", res.Error, c.want)
			}
			// The vat stays refused, and says why.
			res = v.Deliver(messageDelivery("o+0", capdata(`#["hi",[]]`), "p-1"))
			if !strings.HasPrefix(res.Error, "the vat failed to start: ") {
				t.Fatalf("after a failed start: %q", res.Error)
			}
		})
	}
}

func TestStartVatAsyncRoot(t *testing.T) {
	v, _ := startVatFile(t, "start_async.js", nil, nil)
	expectSyscalls(t, call(t, v, `#["hi",[]]`), `resolve p-1 ok #"hi" []`)
}

func TestStartVatUnknownGlobal(t *testing.T) {
	v := newVat(t)
	d := startDelivery(readBundle(t, "basic.js"), nil, nil)
	d.GetStartVat().Globals = []string{"Date", "nope"}
	res := v.Deliver(d)
	if res.Error != `Vat "v1" requested unknown global "nope"` {
		t.Fatalf("error %q", res.Error)
	}
}

func TestDeliveryOrderErrors(t *testing.T) {
	v := newVat(t)
	if res := v.Deliver(messageDelivery("o+0", capdata(`#["hi",[]]`), "p-1")); res.Error == "" {
		t.Fatal("a message before startVat was accepted")
	}
	v, _ = startVatFile(t, "basic.js", nil, nil)
	if res := v.Deliver(startDelivery(readBundle(t, "basic.js"), nil, nil)); res.Error == "" {
		t.Fatal("a second startVat was accepted")
	}
	// A body liveslots cannot decode fails the delivery; the vat goes on.
	if res := v.Deliver(messageDelivery("o+0", capdata(`{"legacy":"capdata"}`), "p-1")); res.Error == "" {
		t.Fatal("an undecodable message was accepted")
	}
	expectSyscalls(t, call(t, v, `#["hello",["again"]]`), `resolve p-1 ok #"hello again" []`)
}

func TestOtherDeliveriesAnswerEmpty(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	for _, d := range []*workerpb.Delivery{
		{Kind: &workerpb.Delivery_BringOutYourDead{BringOutYourDead: &workerpb.Empty{}}},
		{Kind: &workerpb.Delivery_DropExports{DropExports: &workerpb.VrefList{Vrefs: []string{"o+1"}}}},
		{Kind: &workerpb.Delivery_RetireExports{RetireExports: &workerpb.VrefList{Vrefs: []string{"o+1"}}}},
		{Kind: &workerpb.Delivery_RetireImports{RetireImports: &workerpb.VrefList{Vrefs: []string{"o-1"}}}},
		{Kind: &workerpb.Delivery_Flush{Flush: &workerpb.Empty{}}},
		{Kind: &workerpb.Delivery_StopVat{StopVat: &workerpb.Empty{}}},
	} {
		res := v.Deliver(d)
		if res.Error != "" || len(res.Syscalls) != 0 {
			t.Fatalf("%T: %+v", d.Kind, res)
		}
	}
}

func TestClosedVat(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	v.Close()
	if res := v.Deliver(&pingDelivery); res.Error == "" {
		t.Fatal("a closed vat answered")
	}
}

func TestRunawayRecursionFailsTheDeliveryOnly(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	res := v.Deliver(messageDelivery("o+0", capdata(`#["recurse",[]]`), "p-1"))
	if !strings.Contains(res.Error, "exceeded the maximum call depth") {
		t.Fatalf("error %q", res.Error)
	}
	expectSyscalls(t, call(t, v, `#["hello",["still here"]]`), `resolve p-1 ok #"hello still here" []`)
}
