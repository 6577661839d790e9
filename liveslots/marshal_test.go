package liveslots

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// The vectors the real @endo/marshal produced (owned by package marshal).
var vectorsDir = filepath.Join("..", "marshal", "testdata")

type vector struct {
	Name  string   `json:"name"`
	Body  string   `json:"body"`
	Slots []string `json:"slots"`
	Error string   `json:"error"`
}

func loadVectors(t *testing.T, file string) []vector {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorsDir, file))
	if err != nil {
		t.Fatalf("reading the marshal vectors: %v", err)
	}
	var vs []vector
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatalf("%s holds no vectors", file)
	}
	return vs
}

// roundTripHarness maps any slot to a fresh remotable or promise (by its
// encoding) and back, so decode then encode must reproduce body and slots.
const roundTripHarness = `(function (lib) {
  'use strict';
  return (body, slots) => {
    const vals = new Map();
    const slotOf = new Map();
    const slotToVal = (slot, iface, kind) => {
      if (vals.has(slot)) return vals.get(slot);
      const val = kind === '$'
        ? lib.registerRemotable({}, iface)
        : lib.harden(new Promise(() => {}));
      vals.set(slot, val);
      slotOf.set(val, slot);
      return val;
    };
    const m = lib.makeMarshal(val => slotOf.get(val), slotToVal);
    const value = m.fromCapData(body, slots);
    lib.passStyleOf(value);
    const out = m.toCapData(value);
    return out.body + '\n' + out.slots.join(',');
  };
})`

// marshalHarness loads the liveslots files up to marshal.js into a bare
// runtime and returns the harness function.
func marshalHarness(t *testing.T) (*goja.Runtime, goja.Callable) {
	t.Helper()
	progs, err := compiledScripts()
	if err != nil {
		t.Fatal(err)
	}
	rt := goja.New()
	lib := newLib(rt)
	for i, name := range scriptOrder {
		fnVal, err := rt.RunProgram(progs[i])
		if err != nil {
			t.Fatal(err)
		}
		fn, _ := goja.AssertFunction(fnVal)
		if _, err := fn(goja.Undefined(), lib); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "marshal.js" {
			break
		}
	}
	hv, err := rt.RunString(roundTripHarness)
	if err != nil {
		t.Fatal(err)
	}
	mk, _ := goja.AssertFunction(hv)
	h, err := mk(goja.Undefined(), lib)
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := goja.AssertFunction(h)
	return rt, fn
}

func jsSlots(rt *goja.Runtime, slots []string) goja.Value {
	items := make([]any, len(slots))
	for i, s := range slots {
		items[i] = s
	}
	return rt.NewArray(items...)
}

func TestVectorsRoundTrip(t *testing.T) {
	rt, roundTrip := marshalHarness(t)
	for _, vec := range loadVectors(t, "vectors.json") {
		out, err := roundTrip(goja.Undefined(), rt.ToValue(vec.Body), jsSlots(rt, vec.Slots))
		if err != nil {
			t.Errorf("%s: %v", vec.Name, err)
			continue
		}
		body, slots, _ := strings.Cut(out.String(), "\n")
		want := strings.Join(vec.Slots, ",")
		if body != vec.Body || slots != want {
			t.Errorf("%s:\n got  %s %s\n want %s %s", vec.Name, body, slots, vec.Body, want)
		}
	}
}

func TestInvalidVectorsRefused(t *testing.T) {
	rt, roundTrip := marshalHarness(t)
	for _, vec := range loadVectors(t, "invalid.json") {
		_, err := roundTrip(goja.Undefined(), rt.ToValue(vec.Body), jsSlots(rt, vec.Slots))
		if err == nil {
			t.Errorf("%s: %s was accepted", vec.Name, vec.Body)
			continue
		}
		t.Logf("%s: %v (endo: %s)", vec.Name, jsError(err), vec.Error)
	}
}

// TestVectorsThroughDelivery sends every slot-free vector to a method that
// returns its argument: the result must carry the same body, so the whole
// path (Go strings, goja, liveslots) preserves it.
func TestVectorsThroughDelivery(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	for _, vec := range loadVectors(t, "vectors.json") {
		if len(vec.Slots) > 0 {
			continue
		}
		methargs := `#["echo",[` + vec.Body[1:] + `]]`
		got := v.Deliver(messageDelivery("o+0", capdata(methargs), "p-1"))
		if got.Error != "" {
			t.Errorf("%s: %s", vec.Name, got.Error)
			continue
		}
		want := []string{`resolve p-1 ok ` + vec.Body + ` []`}
		if lines := describeAll(got.Syscalls); len(lines) != 1 || lines[0] != want[0] {
			t.Errorf("%s:\n got  %q\n want %q", vec.Name, lines, want)
		}
	}
}
