package keeper

import (
	"fmt"
	"testing"
)

func TestCListRoundTrip(t *testing.T) {
	k, st := memKeeper(t)
	committed(t, k, func() {
		k.CListAdd("v1", "o+0", "ko1")
		k.CListAdd("v1", "o-3", "ko7")
		k.CListAdd("v1", "p+12", "kp4")
		k.CListAdd("v1", "p-2", "kp5")
		k.CListAdd("v10", "o-1", "ko1") // another vat, whose id extends v1's
	})
	for _, k := range []*Keeper{k, New(st)} {
		for vref, kref := range map[string]string{"o+0": "ko1", "o-3": "ko7", "p+12": "kp4", "p-2": "kp5"} {
			if got, ok := k.KrefOf("v1", vref); !ok || got != kref {
				t.Errorf("KrefOf(v1, %s) = %q, %v; want %s", vref, got, ok, kref)
			}
			if got, ok := k.VrefOf("v1", kref); !ok || got != vref {
				t.Errorf("VrefOf(v1, %s) = %q, %v; want %s", kref, got, ok, vref)
			}
		}
		if got, _ := k.VrefOf("v10", "ko1"); got != "o-1" {
			t.Errorf("VrefOf(v10, ko1) = %q", got)
		}
		if _, ok := k.KrefOf("v2", "o+0"); ok {
			t.Error("a vat with no c-list has an entry")
		}
		// By vref in byte order, only vrefs, only v1's.
		equal(t, "CList(v1)", k.CList("v1"), []CListEntry{
			{"o+0", "ko1"}, {"o-3", "ko7"}, {"p+12", "kp4"}, {"p-2", "kp5"},
		})
		equal(t, "CList(v10)", k.CList("v10"), []CListEntry{{"o-1", "ko1"}})
		if got := k.CList("v2"); len(got) != 0 {
			t.Errorf("CList(v2) = %v", got)
		}
	}
	committed(t, k, func() { k.CListDrop("v1", "o-3", "ko7") })
	for _, k := range []*Keeper{k, New(st)} {
		if _, ok := k.KrefOf("v1", "o-3"); ok {
			t.Error("a dropped vref is still in the c-list")
		}
		if _, ok := k.VrefOf("v1", "ko7"); ok {
			t.Error("a dropped kref is still in the c-list")
		}
		if len(k.CList("v1")) != 3 {
			t.Errorf("CList after a drop = %v", k.CList("v1"))
		}
	}
	for _, key := range []string{"c.v1.o-3", "c.v1.ko7"} {
		if _, ok := raw(t, st, key); ok {
			t.Errorf("store still holds %s", key)
		}
	}
}

func TestCListScanSeesEveryStage(t *testing.T) {
	checkScanStages(t, scanFamily{
		put: func(k *Keeper, i int) {
			k.CListAdd("v1", fmt.Sprintf("o-%d", i), fmt.Sprintf("ko%d", i))
			k.CListAdd("v10", fmt.Sprintf("o-%d", i), fmt.Sprintf("ko%d", 100+i))
		},
		drop: func(k *Keeper, i int) { k.CListDrop("v1", fmt.Sprintf("o-%d", i), fmt.Sprintf("ko%d", i)) },
		list: func(k *Keeper) []string {
			var out []string
			for _, e := range k.CList("v1") {
				if e.Kref != "ko"+e.Vref[2:] {
					panic("c-list entry " + e.Vref + " stands for " + e.Kref)
				}
				out = append(out, e.Vref)
			}
			return out
		},
		name: func(i int) string { return fmt.Sprintf("o-%d", i) },
	})
}
