package liveslots

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/dop251/goja"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// The vat side of garbage collection: what vat code no longer holds is
// reported at bringOutYourDead, what it or the kernel holds is not.

func bringOutYourDead(t testing.TB, v *Vat) []string {
	t.Helper()
	return deliverOK(t, v, &workerpb.Delivery{Id: 4, Kind: &workerpb.Delivery_BringOutYourDead{BringOutYourDead: &workerpb.Empty{}}})
}

func vrefDelivery(kind string, vrefs ...string) *workerpb.Delivery {
	l := &workerpb.VrefList{Vrefs: vrefs}
	d := &workerpb.Delivery{Id: 5}
	switch kind {
	case "dropExports":
		d.Kind = &workerpb.Delivery_DropExports{DropExports: l}
	case "retireExports":
		d.Kind = &workerpb.Delivery_RetireExports{RetireExports: l}
	case "retireImports":
		d.Kind = &workerpb.Delivery_RetireImports{RetireImports: l}
	default:
		panic(kind)
	}
	return d
}

func startGCVat(t testing.TB) *Vat {
	t.Helper()
	v, _ := startVatFile(t, "gc.js", nil, nil)
	return v
}

func TestDroppedPresenceIsDroppedAndRetired(t *testing.T) {
	v := startGCVat(t)
	expectSyscalls(t, call(t, v, `#["look",["$0.Alleged: friend"]]`, "o-5"), `resolve p-1 ok #"object" []`)
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-5]", "retireImports [o-5]")
	// Reported once.
	expectSyscalls(t, bringOutYourDead(t, v))
}

func TestHeldPresenceIsNotDropped(t *testing.T) {
	v := startGCVat(t)
	expectSyscalls(t, call(t, v, `#["keep",["a","$0.Alleged: friend"]]`, "o-5"), `resolve p-1 ok #"#undefined" []`)
	expectSyscalls(t, call(t, v, `#["look",["$0.Alleged: other"]]`, "o-6"), `resolve p-1 ok #"object" []`)
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-6]", "retireImports [o-6]")
	// The kept one is still the same presence.
	expectSyscalls(t, call(t, v, `#["isKept",["a","$0"]]`, "o-5"), `resolve p-1 ok #true []`)
	expectSyscalls(t, bringOutYourDead(t, v))
	expectSyscalls(t, call(t, v, `#["forget",["a"]]`), `resolve p-1 ok #"#undefined" []`)
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-5]", "retireImports [o-5]")
}

// A presence dropped and then received again is a new presence, usable as
// before; it is dropped again once vat code lets go of it.
func TestPresenceReintroducedAfterDrop(t *testing.T) {
	v := startGCVat(t)
	call(t, v, `#["look",["$0"]]`, "o-5")
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-5]", "retireImports [o-5]")
	expectSyscalls(t, call(t, v, `#["keep",["a","$0"]]`, "o-5"), `resolve p-1 ok #"#undefined" []`)
	expectSyscalls(t, bringOutYourDead(t, v))
	expectSyscalls(t, withoutCounters(call(t, v, `#["ask",["$0","ping"]]`, "o-5")),
		`send o-5 #["ping",[]] [] p+1`, "subscribe p+1")
}

// A presence that was collected but not yet reported is re-introduced
// before bringOutYourDead: it is alive again and nothing is dropped.
func TestPresenceReintroducedBeforeBringOutYourDead(t *testing.T) {
	v := startGCVat(t)
	call(t, v, `#["look",["$0"]]`, "o-5")
	// Collect without reporting, as a collection between deliveries would.
	runtime.GC()
	call(t, v, `#["keep",["a","$0"]]`, "o-5")
	expectSyscalls(t, bringOutYourDead(t, v))
}

func TestExportHeldByKernelUntilDropExports(t *testing.T) {
	v := startGCVat(t)
	expectSyscalls(t, withoutCounters(call(t, v, `#["makeThing",["x"]]`)),
		`resolve p-1 ok #"$0.Alleged: thing" [o+1]`)
	// Only the kernel holds o+1.
	expectSyscalls(t, bringOutYourDead(t, v))
	expectSyscalls(t, deliverOK(t, v, messageDelivery("o+1", capdata(`#["name",[]]`), "p-2")),
		`resolve p-2 ok #"x" []`)
	expectSyscalls(t, deliverOK(t, v, vrefDelivery("dropExports", "o+1")))
	expectSyscalls(t, bringOutYourDead(t, v), "retireExports [o+1]")
	expectSyscalls(t, bringOutYourDead(t, v))
	// It is gone: a message to it (the kernel would not send one) fails.
	expectSyscalls(t, deliverOK(t, v, messageDelivery("o+1", capdata(`#["name",[]]`), "p-3")),
		`resolve p-3 rejected #{"#error":"no object o+1","name":"Error"} []`)
}

func TestExportHeldByVatOutlivesDropExports(t *testing.T) {
	v := startGCVat(t)
	expectSyscalls(t, withoutCounters(call(t, v, `#["keepThing",["y"]]`)),
		`resolve p-1 ok #"$0.Alleged: thing" [o+1]`)
	deliverOK(t, v, vrefDelivery("dropExports", "o+1"))
	expectSyscalls(t, bringOutYourDead(t, v))
	// Sent again, it is the same vref, held for the kernel again.
	expectSyscalls(t, call(t, v, `#["kept",["y"]]`), `resolve p-1 ok #"$0.Alleged: thing" [o+1]`)
	call(t, v, `#["forget",["y"]]`)
	expectSyscalls(t, bringOutYourDead(t, v))
	deliverOK(t, v, vrefDelivery("dropExports", "o+1"))
	expectSyscalls(t, bringOutYourDead(t, v), "retireExports [o+1]")
}

// An export the kernel retired itself is not retired again from here.
func TestExportRetiredByKernel(t *testing.T) {
	v := startGCVat(t)
	call(t, v, `#["keepThing",["y"]]`)
	expectSyscalls(t, deliverOK(t, v, vrefDelivery("dropExports", "o+1")))
	expectSyscalls(t, deliverOK(t, v, vrefDelivery("retireExports", "o+1")))
	call(t, v, `#["forget",["y"]]`)
	expectSyscalls(t, bringOutYourDead(t, v))
	if v.weak.has("o+1") {
		t.Fatal("o+1 is still in the weak table")
	}
}

func TestRootIsNeverDropped(t *testing.T) {
	v := startGCVat(t)
	deliverOK(t, v, vrefDelivery("dropExports", "o+0"))
	expectSyscalls(t, bringOutYourDead(t, v))
	expectSyscalls(t, call(t, v, `#["look",[1]]`), `resolve p-1 ok #"number" []`)
}

func TestGCDeliveriesRefuseWrongVrefs(t *testing.T) {
	v := startGCVat(t)
	for _, c := range []struct {
		kind, vref, want string
	}{
		{"dropExports", "o-1", `dropExports: "o-1" is not an object of this vat (o+N)`},
		{"retireExports", "p+1", `retireExports: "p+1" is not an object of this vat (o+N)`},
		{"retireImports", "o+1", `retireImports: "o+1" is not an import (o-N)`},
	} {
		res := v.Deliver(vrefDelivery(c.kind, c.vref))
		if !strings.Contains(res.Error, c.want) {
			t.Errorf("%s %s: error %q, want it to contain %q", c.kind, c.vref, res.Error, c.want)
		}
	}
}

func TestGCDeliveryBeforeStartVat(t *testing.T) {
	v := newVat(t)
	res := v.Deliver(&workerpb.Delivery{Kind: &workerpb.Delivery_BringOutYourDead{BringOutYourDead: &workerpb.Empty{}}})
	if !strings.Contains(res.Error, "delivery before startVat") {
		t.Fatalf("error %q", res.Error)
	}
}

// Sends to presences, their answers and the presences in them leave
// nothing behind once settled and dropped: the tables stay as small as
// what is live. goja may keep the objects of the latest send reachable
// until the next one (see the README's garbage collection section), so the
// check is that every presence but the last round's was dropped, once.
func TestTablesStayBounded(t *testing.T) {
	v := startGCVat(t)
	const rounds = 3000
	dropped := map[string]int{}
	collect := func() {
		for _, line := range bringOutYourDead(t, v) {
			if rest, ok := strings.CutPrefix(line, "dropImports ["); ok {
				for _, vref := range strings.Fields(strings.TrimSuffix(rest, "]")) {
					dropped[vref]++
				}
			}
		}
	}
	for i := 1; i <= rounds+1; i++ {
		n := strconv.Itoa(i)
		target := "o-" + n
		answer := "o-" + strconv.Itoa(10*rounds+i)
		// ask(o-N, "get") sends and waits; the answer is a new presence,
		// which becomes the vat's answer.
		got := withoutCounters(deliverOK(t, v, messageDelivery("o+0", capdata(`#["ask",["$0","get"]]`, target), "p-"+n)))
		want := "send " + target + ` #["get",[]] [] p+` + n
		if len(got) != 2 || got[0] != want {
			t.Fatalf("round %d: syscalls %q, want %q first", i, got, want)
		}
		got = deliverOK(t, v, notifyDelivery(resolution("p+"+n, false, `#"$0.Alleged: answer"`, answer)))
		expectSyscalls(t, got, "resolve p-"+n+` ok #"$0.Alleged: answer" [`+answer+`]`)
		if i%500 == 0 || i == rounds+1 {
			collect()
		}
	}
	for i := 1; i <= rounds; i++ {
		for _, vref := range []string{"o-" + strconv.Itoa(i), "o-" + strconv.Itoa(10*rounds+i)} {
			if dropped[vref] != 1 {
				t.Fatalf("%s was dropped %d times, want once", vref, dropped[vref])
			}
		}
	}
	sizes := tableSizes(t, v)
	if sizes["objects"] > 5 {
		t.Errorf("the weak table has %d entries, want at most 5 (the root, the vat's weak map and set, the last round's two)", sizes["objects"])
	}
	want := map[string]int{"promises": 0, "exported": 1, "kernelRecognizable": 1,
		"kernelDecided": 0, "decided": 0, "recognizers": 0}
	for name, n := range want {
		if sizes[name] != n {
			t.Errorf("table %s has %d entries, want %d", name, sizes[name], n)
		}
	}
}

// tableSizes counts the entries of liveslots' tables.
func tableSizes(t testing.TB, v *Vat) map[string]int {
	t.Helper()
	out, err := v.jsTableSizes(goja.Undefined())
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int{}
	obj := out.ToObject(v.rt)
	for _, k := range obj.Keys() {
		sizes[k] = int(obj.Get(k).ToInteger())
	}
	return sizes
}

// Vat code's WeakMap and WeakSet key presences by vref: a presence that
// was collected and received again finds its entry, so vat code cannot
// tell. Such a key keeps the import recognizable: dropped, not retired.
func TestWeakMapKeyedByPresence(t *testing.T) {
	v := startGCVat(t)
	call(t, v, `#["weakKeep",["$0","v"]]`, "o-5")
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-5]")
	expectSyscalls(t, call(t, v, `#["weakGet",["$0"]]`, "o-5"), `resolve p-1 ok #"v" []`)
	// Received again, it was reachable again, and is dropped again.
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-5]")
	// The exporter retires it: the entry goes.
	expectSyscalls(t, deliverOK(t, v, vrefDelivery("retireImports", "o-5")))
	if n := tableSizes(t, v)["recognizers"]; n != 0 {
		t.Fatalf("%d vrefs still recognized, want 0", n)
	}
	expectSyscalls(t, bringOutYourDead(t, v))
}

// Deleting the entry, or letting go of the whole map, ends recognition:
// the import is retired at the next bringOutYourDead.
func TestWeakMapForgettingRetires(t *testing.T) {
	v := startGCVat(t)
	call(t, v, `#["weakKeep",["$0","v"]]`, "o-5")
	call(t, v, `#["weakKeep",["$0","w"]]`, "o-6")
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-5 o-6]")
	expectSyscalls(t, call(t, v, `#["weakForget",["$0"]]`, "o-5"), `resolve p-1 ok #true []`)
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-5]", "retireImports [o-5]")
	call(t, v, `#["newWeakMap",[]]`)
	expectSyscalls(t, bringOutYourDead(t, v), "retireImports [o-6]")
	if n := tableSizes(t, v)["recognizers"]; n != 0 {
		t.Fatalf("%d vrefs still recognized, want 0", n)
	}
}

func TestWeakSetKeyedByPresence(t *testing.T) {
	v := startGCVat(t)
	call(t, v, `#["weakSee",["$0"]]`, "o-5")
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-5]")
	expectSyscalls(t, call(t, v, `#["weakSeen",["$0"]]`, "o-5"), `resolve p-1 ok #true []`)
	expectSyscalls(t, call(t, v, `#["weakSeen",["$0"]]`, "o-6"), `resolve p-1 ok #false []`)
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-5 o-6]", "retireImports [o-6]")
}

func TestWeakCollectionsActAsIntrinsics(t *testing.T) {
	v := startGCVat(t)
	expectSyscalls(t, call(t, v, `#["weakBasics",[]]`),
		`resolve p-1 ok #[1,true,false,true,false,true,false,true,false,"[object WeakMap]","[object WeakSet]",true,"undefined","undefined","TypeError"] []`)
}

// The vatstore holds presences too (baggage, big stores, object state):
// one named there stays reachable without a presence in memory, and is
// dropped once the vatstore lets go of it.
func TestPresenceInVatstoreIsNotDropped(t *testing.T) {
	v := startGCVat(t)
	call(t, v, `#["store",["a","$0"]]`, "o-5")
	call(t, v, `#["storeKey",["$0"]]`, "o-6")
	expectSyscalls(t, bringOutYourDead(t, v))
	call(t, v, `#["unstore",["a"]]`)
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-5]", "retireImports [o-5]")
	call(t, v, `#["unstoreKey",["$0"]]`, "o-6")
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-6]", "retireImports [o-6]")
}

// After a restart, baggage names a presence no code has asked for yet:
// received and let go of meanwhile, it is still not dropped.
func TestPresenceInRestoredBaggageIsNotDropped(t *testing.T) {
	store := []*workerpb.VatstoreEntry{{Key: "baggage.friend", Value: `{"body":"#\"$0.Alleged: friend\"","slots":["o-4"]}`}}
	v, _ := startVatFile(t, "gc.js", nil, store)
	call(t, v, `#["look",["$0"]]`, "o-4")
	expectSyscalls(t, bringOutYourDead(t, v))
	call(t, v, `#["unstash",["friend"]]`)
	expectSyscalls(t, bringOutYourDead(t, v), "dropImports [o-4]", "retireImports [o-4]")
}
