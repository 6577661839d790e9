package keeper

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/marshal"
)

func TestRunQueueEmpty(t *testing.T) {
	k, _ := memKeeper(t)
	if item, ok := k.Peek(); ok {
		t.Fatalf("Peek on an empty queue = %+v", item)
	}
	if n := k.QueueLength(); n != 0 {
		t.Fatalf("QueueLength = %d", n)
	}
}

func TestRunItemRoundTrip(t *testing.T) {
	k, st := memKeeper(t)
	want := RunItem{
		Type:     "send",
		Target:   "ko12",
		Methargs: &marshal.CapData{Body: `#["hello",["$0.Alleged: bob"]]`, Slots: []string{"ko3"}},
		Result:   "kp7",
		Vat:      "v2",
		KP:       "kp9",
	}
	committed(t, k, func() { k.Enqueue(want) })
	for _, k := range []*Keeper{k, New(st)} {
		got, ok := k.Peek()
		if !ok {
			t.Fatal("Peek found nothing")
		}
		equal(t, "Peek", got, want)
	}
}

// The run queue keeps FIFO order over many items, pushed and popped across
// cranks, batches and keepers, with a queue that empties and fills again.
func TestRunQueueFIFO(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		st := openStore(t, url)
		k := New(st)
		next, popped := 0, 0
		push := func(n int) {
			for i := 0; i < n; i++ {
				k.Enqueue(RunItem{Type: "send", Target: fmt.Sprintf("ko%d", next+1)})
				next++
			}
		}
		pop := func(n int) {
			t.Helper()
			for i := 0; i < n; i++ {
				item, ok := k.Peek()
				if !ok {
					t.Fatalf("queue empty after %d of %d items", popped, next)
				}
				if want := fmt.Sprintf("ko%d", popped+1); item.Target != want {
					t.Fatalf("item %d = %s, want %s", popped, item.Target, want)
				}
				k.Pop()
				popped++
			}
		}
		length := func(when string) {
			t.Helper()
			if got := k.QueueLength(); got != int64(next-popped) {
				t.Fatalf("%s: QueueLength = %d, want %d", when, got, next-popped)
			}
		}
		// Fill past the single and double digits, so that keys that sort
		// as text (rq.10 before rq.9) would show.
		for round := 0; round < 30; round++ {
			push(7)
			length("after a push")
			pop(3)
			k.Seal()
			if round%4 == 0 {
				flush(t, k)
			} else {
				k.StartBatch() // left in flight across the next crank
			}
		}
		flush(t, k)
		length("before reopening")
		st.Close()

		st = openStore(t, url)
		k = New(st)
		length("after reopening")
		if err := k.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		pop(next - popped)
		if _, ok := k.Peek(); ok {
			t.Fatal("Peek found an item in an emptied queue")
		}
		length("emptied")
		push(12)
		pop(12)
		committed(t, k, func() {})
		// Popped items leave no key behind.
		for key := range storeKeys(t, st) {
			if strings.HasPrefix(key, "rq.") && key != "rq.head" && key != "rq.tail" {
				t.Errorf("store keeps popped item %s", key)
			}
		}
		if v, _ := raw(t, st, "rq.head"); v != fmt.Sprint(next) {
			t.Fatalf("rq.head = %s, want %d", v, next)
		}
	})
}
