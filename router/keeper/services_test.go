package keeper

import (
	"context"
	"fmt"
	"testing"
)

func TestServiceKrefRoundTrip(t *testing.T) {
	k, st := memKeeper(t)
	committed(t, k, func() {
		k.SetServiceKref("calc", "ko3")
		k.SetServiceKref("io.s2.input", "ko4") // names may hold dots
	})
	for _, k := range []*Keeper{k, New(st)} {
		if got, ok := k.ServiceKref("calc"); !ok || got != "ko3" {
			t.Fatalf("ServiceKref(calc) = %q, %v", got, ok)
		}
		if got, ok := k.ServiceKref("io.s2.input"); !ok || got != "ko4" {
			t.Fatalf("ServiceKref(io.s2.input) = %q, %v", got, ok)
		}
	}
	committed(t, k, func() { k.DeleteService("calc") })
	for _, k := range []*Keeper{k, New(st)} {
		if _, ok := k.ServiceKref("calc"); ok {
			t.Fatal("a deleted service is still there")
		}
	}
}

func TestServiceCalls(t *testing.T) {
	k, st := memKeeper(t)
	committed(t, k, func() {
		k.SetServiceCall("kp3", "calc")
		k.SetServiceCall("kp12", "io.s1.out")
		k.SetServiceCall("kp4", "calc")
	})
	committed(t, k, func() { k.ClearServiceCall("kp4") })
	for _, k := range []*Keeper{k, New(st)} {
		equal(t, "ServiceCalls", k.ServiceCalls(), []ServiceCall{{"kp12", "io.s1.out"}, {"kp3", "calc"}})
	}
}

func TestServiceCallsScanSeesEveryStage(t *testing.T) {
	checkScanStages(t, scanFamily{
		put:  func(k *Keeper, i int) { k.SetServiceCall(fmt.Sprintf("kp%d", i), fmt.Sprintf("svc%d", i)) },
		drop: func(k *Keeper, i int) { k.ClearServiceCall(fmt.Sprintf("kp%d", i)) },
		list: func(k *Keeper) []string {
			var out []string
			for _, c := range k.ServiceCalls() {
				if "kp"+c.Service[3:] != c.KP {
					panic("call " + c.KP + " is decided by " + c.Service)
				}
				out = append(out, c.KP)
			}
			return out
		},
		name: func(i int) string { return fmt.Sprintf("kp%d", i) },
	})
}

// Parked calls come back in arrival order past ten of them (the keys sort
// as text: svcwait.ko1.10 before svcwait.ko1.9), each service its own,
// whether parked by durable, sealed or running cranks.
func TestTakeParkedCallsInArrivalOrder(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		st := openStore(t, url)
		ts := wrapStore(st)
		k := New(ts)
		park := func(kref string, n int) {
			k.ParkServiceCall(kref, RunItem{Type: "send", Target: kref, Result: fmt.Sprintf("kp%d", n)})
		}
		// ko1 and ko10: one kref's prefix must not catch the other's.
		committed(t, k, func() {
			for n := 1; n <= 9; n++ {
				park("ko1", n)
				park("ko10", 100+n)
			}
		})
		release := ts.hold()
		crank(k, func() {
			for n := 10; n <= 12; n++ {
				park("ko1", n)
			}
		})
		k.StartBatch()
		<-ts.started
		crank(k, func() { park("ko1", 13); park("ko10", 113) })
		park("ko1", 14)
		park("ko1", 15)
		if err := k.Load(context.Background()); err != nil {
			t.Fatal(err)
		}

		var want []string
		for n := 1; n <= 15; n++ {
			want = append(want, fmt.Sprintf("kp%d", n))
		}
		equal(t, "TakeParkedCalls(ko1)", results(k.TakeParkedCalls("ko1")), want)
		if got := k.TakeParkedCalls("ko1"); len(got) != 0 {
			t.Fatalf("a second take in the same crank = %v", results(got))
		}
		// Abort undoes the take; the running crank's own parked calls go
		// with it, the sealed ones are back.
		k.Abort()
		equal(t, "after Abort", results(k.TakeParkedCalls("ko1")), want[:13])
		k.Seal()
		release()
		flush(t, k)
		for key := range storeKeys(t, st) {
			if len(key) > len("svcwait.ko1.") && key[:len("svcwait.ko1.")] == "svcwait.ko1." {
				t.Errorf("store keeps taken call %s", key)
			}
		}
		// ko10's calls stay, in order, after a reopen.
		st.Close()
		k = New(openStore(t, url))
		want = nil
		for n := 101; n <= 109; n++ {
			want = append(want, fmt.Sprintf("kp%d", n))
		}
		want = append(want, "kp113")
		equal(t, "TakeParkedCalls(ko10)", results(k.TakeParkedCalls("ko10")), want)
		// Numbers go on from where they were: a call parked now comes last.
		park("ko1", 99)
		equal(t, "a new parked call", results(k.TakeParkedCalls("ko1")), []string{"kp99"})
	})
}
