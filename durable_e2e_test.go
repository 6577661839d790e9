package ocap_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/marshal"
)

// Durable objects of two vats, one made with VatData.defineDurableKind over
// a kind handle and one with prepareExoClassKit, held in a third vat's
// baggage, keep their state and krefs across restart-vat of their vats and
// across kernel restarts, on both stores.
func TestDurableKindsSurviveRestarts(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		res := e.launch("durable-kinds.json")
		root := res.RootKref
		counter := refKref(t, e.mustCall(root, "counter"))
		expect := func(method string, want any, args ...any) {
			t.Helper()
			if got := e.mustCall(root, method, args...); got != want {
				t.Fatalf("%s = %v, want %v", method, got, want)
			}
		}
		expect("bump", "c=1")
		expect("deposit", float64(5), 5)

		_, vats := subclusterVatsOK(e, res.SubclusterID)
		if len(vats) != 3 {
			t.Fatalf("subcluster vats = %v", vats)
		}
		for _, vat := range vats[1:] {
			if err := e.k.RestartVat(context.Background(), vat); err != nil {
				t.Fatalf("restart-vat %s: %v", vat, err)
			}
		}
		expect("bump", "c=2")
		expect("deposit", float64(15), 10)

		e.restart()
		expect("bump", "c=3")
		expect("deposit", float64(16), 1)
		expect("report", "alice has 16")
		// The host reaches the counter by the kref it had from the start.
		if got := e.mustCall(counter, "increment"); got != "c=4" {
			t.Fatalf("increment on %s after the restarts = %v", counter, got)
		}
		if again := refKref(t, e.mustCall(root, "counter")); again != counter {
			t.Fatalf("the counter's kref went from %s to %s", counter, again)
		}
	})
}

// refKref is the kref of a remotable result.
func refKref(t *testing.T, v any) string {
	t.Helper()
	ref, ok := v.(marshal.Ref)
	if !ok {
		t.Fatalf("got %v, want a remotable", v)
	}
	return ref.Kref
}

// A vatstore bigger than StartVat carries is read on demand after a
// restart: single keys, iteration in batches (merged with the writes of
// the delivery in progress), and reads from a timer callback, on both
// stores.
func TestBigStoreReadOnDemand(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		root := e.launch("bigstore.json").RootKref
		const n = 2500
		expect := func(method string, want any, args ...any) {
			t.Helper()
			if got := e.mustCall(root, method, args...); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s%v = %v, want %v", method, args, got, want)
			}
		}
		expect("fill", float64(n), 0, n)
		for restart := 0; restart < 2; restart++ {
			e.restart()
			expect("get", float64(1234), 1234)
			expect("has", false, n+5)
			expect("getLater", float64(2222), 2222)
			expect("size", float64(n))
			expect("count", float64(n))
			expect("sum", float64(n*(n-1)/2))
		}
		expect("deleteAddAndCount", []any{float64(n), float64(n)}, 7, n)
		expect("count", float64(n))
		expect("has", false, 7)
		expect("get", float64(n), n)
	})
}
