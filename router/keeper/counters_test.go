package keeper

import (
	"fmt"
	"testing"
)

func TestCountersStartAtOneAndAdvance(t *testing.T) {
	k, _ := memKeeper(t)
	allocs := []struct {
		prefix string
		next   func() string
	}{
		{"ko", k.NewObjectRef},
		{"kp", k.NewPromiseRef},
		{"v", k.NewVatID},
		{"s", k.NewSubclusterID},
	}
	// Interleaved: each counter is its own.
	for n := 1; n <= 12; n++ {
		for _, a := range allocs {
			if got, want := a.next(), fmt.Sprintf("%s%d", a.prefix, n); got != want {
				t.Fatalf("allocation %d = %s, want %s", n, got, want)
			}
		}
		if n%5 == 0 {
			k.Seal()
		}
	}
	// NewObject and NewPromise draw from the same counters.
	if ko := k.NewObject("v1"); ko != "ko13" {
		t.Fatalf("NewObject = %s, want ko13", ko)
	}
	if kp := k.NewPromise(""); kp != "kp13" {
		t.Fatalf("NewPromise = %s, want kp13", kp)
	}
}

func TestCountersSurviveAbortOnlyWhenSealed(t *testing.T) {
	k, _ := memKeeper(t)
	committed(t, k, func() { k.NewObjectRef(); k.NewObjectRef() })
	if ko := k.NewObjectRef(); ko != "ko3" {
		t.Fatalf("third object = %s", ko)
	}
	k.Abort()
	// An aborted crank's allocation is handed out again: nothing saw it.
	if ko := k.NewObjectRef(); ko != "ko3" {
		t.Fatalf("after Abort, next object = %s, want ko3 again", ko)
	}
	k.Seal()
	if ko := k.NewObjectRef(); ko != "ko4" {
		t.Fatalf("after Seal, next object = %s, want ko4", ko)
	}
}

func TestCountersAreDurable(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		st := openStore(t, url)
		k := New(st)
		committed(t, k, func() {
			for i := 0; i < 11; i++ {
				k.NewVatID()
			}
			k.NewSubclusterID()
		})
		st.Close()
		k = New(openStore(t, url))
		if v := k.NewVatID(); v != "v12" {
			t.Fatalf("after reopening, NewVatID = %s, want v12", v)
		}
		if s := k.NewSubclusterID(); s != "s2" {
			t.Fatalf("after reopening, NewSubclusterID = %s, want s2", s)
		}
		if ko := k.NewObjectRef(); ko != "ko1" {
			t.Fatalf("after reopening, NewObjectRef = %s, want ko1", ko)
		}
	})
}
