package keeper

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/marshal"
)

func TestPromiseRoundTrip(t *testing.T) {
	k, st := memKeeper(t)
	var kp1, kp2 string
	full := &Promise{
		State:       Rejected,
		Decider:     "v2",
		Subscribers: []string{"v1", "v3"},
		Data:        &marshal.CapData{Body: `#{"#error":"boom","name":"Error"}`, Slots: []string{}},
		ForwardTo:   "kp9",
		Followers:   []string{"kp4"},
		QueueHead:   2,
		QueueTail:   5,
	}
	committed(t, k, func() {
		kp1 = k.NewPromise("v1")
		kp2 = k.NewPromise("")
		k.SetPromise(kp2, full)
	})
	for _, k := range []*Keeper{k, New(st)} {
		p, ok := k.Promise(kp1)
		if !ok {
			t.Fatalf("Promise(%s) not found", kp1)
		}
		equal(t, "new promise", p, &Promise{State: Unresolved, Decider: "v1"})
		if p.Settled() {
			t.Fatal("an unresolved promise is settled")
		}
		p, _ = k.Promise(kp2)
		equal(t, "written promise", p, full)
		if !p.Settled() {
			t.Fatal("a rejected promise is not settled")
		}
		if _, ok := k.Promise("kp404"); ok {
			t.Fatal("an unknown promise was found")
		}
	}
	// Promise returns a copy: changing it writes nothing.
	p, _ := k.Promise(kp1)
	p.State = Fulfilled
	if again, _ := k.Promise(kp1); again.State != Unresolved {
		t.Fatal("changing a read promise changed the table")
	}
}

func TestSettledStates(t *testing.T) {
	for state, want := range map[string]bool{Unresolved: false, Fulfilled: true, Rejected: true, Forwarded: false} {
		if got := (&Promise{State: state}).Settled(); got != want {
			t.Errorf("Settled(%s) = %v", state, got)
		}
	}
}

// Messages queued on a promise come back in arrival order, past ten items
// (kp.<kp>.q.10 sorts before kp.<kp>.q.9 as text), queued across cranks
// and batches, and a queue taken once starts afresh.
func TestPromiseQueueOrder(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		st := openStore(t, url)
		k := New(st)
		var kp, other string
		committed(t, k, func() { kp, other = k.NewPromise("v1"), k.NewPromise("v1") })

		const n = 25
		for i := 0; i < n; i++ {
			crank(k, func() {
				p, _ := k.Promise(kp)
				k.QueueOnPromise(kp, p, RunItem{Type: "send", Target: kp, Result: fmt.Sprintf("kp%d", 100+i)})
				if i%3 == 0 {
					q, _ := k.Promise(other)
					k.QueueOnPromise(other, q, RunItem{Type: "send", Target: other, Result: fmt.Sprintf("kp%d", 500+i)})
				}
			})
			if i%7 == 0 {
				flush(t, k)
			}
		}
		if p, _ := k.Promise(kp); p.QueueTail != n {
			t.Fatalf("QueueTail = %d, want %d", p.QueueTail, n)
		}
		flush(t, k)
		st.Close()
		st = openStore(t, url)
		k = New(st)

		p, _ := k.Promise(kp)
		items := k.TakePromiseQueue(kp, p)
		if len(items) != n {
			t.Fatalf("TakePromiseQueue returned %d items, want %d", len(items), n)
		}
		for i, item := range items {
			if want := fmt.Sprintf("kp%d", 100+i); item.Result != want {
				t.Fatalf("item %d has result %s, want %s (order %v)", i, item.Result, want, results(items))
			}
		}
		if p.QueueHead != 0 || p.QueueTail != 0 {
			t.Fatalf("after Take, bounds = %d..%d", p.QueueHead, p.QueueTail)
		}
		k.SetPromise(kp, p) // the caller writes p
		// A second take in the same crank finds nothing.
		if again := k.TakePromiseQueue(kp, p); len(again) != 0 {
			t.Fatalf("a second Take returned %v", results(again))
		}
		// The queue starts again from 0.
		k.QueueOnPromise(kp, p, RunItem{Type: "send", Result: "kp999"})
		k.Seal()
		flush(t, k)

		keys := storeKeys(t, st)
		var left []string
		for key := range keys {
			if strings.HasPrefix(key, "kp."+kp+".q.") {
				left = append(left, key)
			}
		}
		equal(t, "queue keys left for "+kp, left, []string{"kp." + kp + ".q.0"})
		// The other promise's queue was not touched.
		q, _ := k.Promise(other)
		others := k.TakePromiseQueue(other, q)
		if len(others) != 9 || others[0].Result != "kp500" || others[8].Result != "kp524" {
			t.Fatalf("other promise's queue = %v", results(others))
		}
	})
}

func results(items []RunItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Result)
	}
	return out
}
