package keeper

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/marshal"
)

func TestVatRoundTrip(t *testing.T) {
	k, st := memKeeper(t)
	rec := &Vat{
		ID:             "v4",
		Name:           "bob",
		Subcluster:     "s2",
		Bundle:         strings.Repeat("ab", 32),
		BundleName:     "bob.js",
		Parameters:     marshal.CapData{Body: `#{"name":"Bob"}`, Slots: []string{}},
		Globals:        []string{"Date", "setTimeout"},
		PlatformConfig: json.RawMessage(`{"fetch":{"allowedHosts":["example.com"]}}`),
		Config:         json.RawMessage(`{"sourceSpec":"bob.js"}`),
	}
	if _, ok := k.Vat("v4"); ok {
		t.Fatal("a vat exists before it is written")
	}
	committed(t, k, func() { k.SetVat(rec) })
	for _, k := range []*Keeper{k, New(st)} {
		got, ok := k.Vat("v4")
		if !ok {
			t.Fatal("Vat(v4) not found")
		}
		equal(t, "Vat(v4)", got, rec)
	}
}

func TestNextImportPerVat(t *testing.T) {
	k, st := memKeeper(t)
	for i := 1; i <= 11; i++ {
		if got := k.NextImport("v1"); got != fmt.Sprint(i) {
			t.Fatalf("NextImport(v1) #%d = %s", i, got)
		}
	}
	if got := k.NextImport("v10"); got != "1" {
		t.Fatalf("NextImport(v10) = %s, want its own counter", got)
	}
	flushCrank(t, k)
	if got := New(st).NextImport("v1"); got != "12" {
		t.Fatalf("NextImport(v1) from the store = %s, want 12", got)
	}
}

// flushCrank seals the running crank and makes it durable.
func flushCrank(t *testing.T, k *Keeper) {
	t.Helper()
	k.Seal()
	flush(t, k)
}

func TestVatstore(t *testing.T) {
	k, st := memKeeper(t)
	committed(t, k, func() {
		k.VatstoreSet("v1", "baggage.count", "1")
		k.VatstoreSet("v1", "idCounters", `{"exportID":3}`)
		k.VatstoreSet("v1", "a.b.c", "dots")
		k.VatstoreSet("v10", "baggage.count", "10")
	})
	committed(t, k, func() {
		k.VatstoreSet("v1", "baggage.count", "2")
		k.VatstoreDelete("v1", "a.b.c")
		k.VatstoreDelete("v1", "never.there")
	})
	want := []VatstoreEntry{{"baggage.count", "2"}, {"idCounters", `{"exportID":3}`}}
	for _, k := range []*Keeper{k, New(st)} {
		equal(t, "Vatstore(v1)", k.Vatstore("v1"), want)
		equal(t, "Vatstore(v10)", k.Vatstore("v10"), []VatstoreEntry{{"baggage.count", "10"}})
		if got := k.Vatstore("v2"); len(got) != 0 {
			t.Fatalf("Vatstore(v2) = %v", got)
		}
	}
}

func TestVatstoreScanSeesEveryStage(t *testing.T) {
	checkScanStages(t, scanFamily{
		put: func(k *Keeper, i int) {
			k.VatstoreSet("v1", fmt.Sprintf("baggage.k%d", i), fmt.Sprint(i))
			k.VatstoreSet("v11", fmt.Sprintf("baggage.k%d", i), "other vat")
		},
		drop: func(k *Keeper, i int) { k.VatstoreDelete("v1", fmt.Sprintf("baggage.k%d", i)) },
		list: func(k *Keeper) []string {
			var out []string
			for _, e := range k.Vatstore("v1") {
				if "baggage.k"+e.Value != e.Key {
					panic("vatstore " + e.Key + " holds " + e.Value)
				}
				out = append(out, e.Key)
			}
			return out
		},
		name: func(i int) string { return fmt.Sprintf("baggage.k%d", i) },
	})
}

// DeleteVat removes everything of one vat and nothing of another, even one
// whose id starts with the same digits (v1, v10, v11).
func TestDeleteVat(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		st := openStore(t, url)
		k := New(st)
		fill := func(vat string) {
			k.SetVat(&Vat{ID: vat, Name: "name-" + vat})
			k.NextImport(vat)
			k.CListAdd(vat, "o+0", "ko1")
			k.CListAdd(vat, "p-1", "kp1")
			k.VatstoreSet(vat, "baggage.x", vat)
			k.VatstoreSet(vat, "idCounters", "{}")
		}
		committed(t, k, func() {
			for _, vat := range []string{"v1", "v10", "v11", "v2"} {
				fill(vat)
			}
		})
		before := storeKeys(t, st)

		// Writes of all three stages: durable (above), sealed, in the crank.
		crank(k, func() { k.VatstoreSet("v1", "sealed", "1"); k.CListAdd("v1", "o-9", "ko9") })
		k.VatstoreSet("v1", "unsealed", "1")
		k.CListAdd("v1", "o-8", "ko8")
		k.DeleteVat("v1")
		if _, ok := k.Vat("v1"); ok {
			t.Fatal("in the crank, v1's record is still there")
		}
		if got := k.CList("v1"); len(got) != 0 {
			t.Fatalf("in the crank, CList(v1) = %v", got)
		}
		if got := k.Vatstore("v1"); len(got) != 0 {
			t.Fatalf("in the crank, Vatstore(v1) = %v", got)
		}
		if _, ok := k.VrefOf("v1", "ko8"); ok {
			t.Fatal("in the crank, an unsealed c-list entry of v1 survived")
		}
		if got := k.NextImport("v1"); got != "1" {
			t.Fatalf("in the crank, NextImport(v1) = %s, want a fresh counter", got)
		}
		k.Abort() // drop the NextImport probe with the rest, then again for real
		k.DeleteVat("v1")
		k.Seal()
		flush(t, k)

		after := storeKeys(t, st)
		var gone, kept []string
		for key := range before {
			if _, ok := after[key]; ok {
				kept = append(kept, key)
			} else {
				gone = append(gone, key)
			}
		}
		sort.Strings(gone)
		equal(t, "keys DeleteVat(v1) removed", gone, []string{
			"c.v1.ko1", "c.v1.kp1", "c.v1.o+0", "c.v1.p-1",
			"vat.v1", "vat.v1.next", "vs.v1.baggage.x", "vs.v1.idCounters",
		})
		for key := range after {
			if _, ok := before[key]; !ok {
				t.Errorf("DeleteVat left %s behind", key)
			}
		}
		for _, key := range kept {
			if after[key] != before[key] {
				t.Errorf("DeleteVat changed %s", key)
			}
		}
		for _, vat := range []string{"v10", "v11", "v2"} {
			if rec, ok := k.Vat(vat); !ok || rec.Name != "name-"+vat {
				t.Errorf("Vat(%s) = %+v, %v after deleting v1", vat, rec, ok)
			}
			if len(k.CList(vat)) != 2 || len(k.Vatstore(vat)) != 2 {
				t.Errorf("%s lost c-list or vatstore entries: %v %v", vat, k.CList(vat), k.Vatstore(vat))
			}
		}
	})
}

// VatstoreEntries, read a few at a time as a worker does, sees the same
// entries as a whole scan at every stage of the commit pipeline.
func TestVatstoreEntriesSeeEveryStage(t *testing.T) {
	for _, limit := range []int{1, 2, 100} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			checkScanStages(t, scanFamily{
				put: func(k *Keeper, i int) {
					k.VatstoreSet("v1", fmt.Sprintf("baggage.k%d", i), fmt.Sprint(i))
					k.VatstoreSet("v1", fmt.Sprintf("other.k%d", i), "other prefix")
					k.VatstoreSet("v11", fmt.Sprintf("baggage.k%d", i), "other vat")
				},
				drop: func(k *Keeper, i int) { k.VatstoreDelete("v1", fmt.Sprintf("baggage.k%d", i)) },
				list: func(k *Keeper) []string {
					var out []string
					after := ""
					for {
						entries, more := k.VatstoreEntries("v1", "baggage.", after, limit)
						if len(entries) > limit {
							panic(fmt.Sprintf("%d entries for a limit of %d", len(entries), limit))
						}
						for _, e := range entries {
							if "baggage.k"+e.Value != e.Key {
								panic("vatstore " + e.Key + " holds " + e.Value)
							}
							out = append(out, e.Key)
							after = e.Key
						}
						if !more {
							return out
						}
					}
				},
				name: func(i int) string { return fmt.Sprintf("baggage.k%d", i) },
			})
		})
	}
}

// Load leaves vatstores in the store: they are read when their vat asks,
// and a committed vatstore write does not stay in memory either.
func TestLoadLeavesVatstoresInTheStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		st := openStore(t, url)
		k := New(st)
		committed(t, k, func() {
			k.SetVat(&Vat{ID: "v1", Name: "one"})
			k.VatstoreSet("v1", "baggage.x", "1")
			k.VatstoreSet("v1", "baggage.y", "2")
		})
		for key := range k.cache {
			if isVatstoreKey(key) {
				t.Errorf("committed vatstore key %s stayed in memory", key)
			}
		}
		st.Close()
		k = New(openStore(t, url))
		if err := k.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		for key := range k.cache {
			if isVatstoreKey(key) {
				t.Errorf("Load read vatstore key %s into memory", key)
			}
		}
		if _, ok := k.Vat("v1"); !ok {
			t.Fatal("Load missed the vat record")
		}
		if v, ok := k.VatstoreGet("v1", "baggage.y"); !ok || v != "2" {
			t.Fatalf("VatstoreGet after Load = %q, %v", v, ok)
		}
		if _, ok := k.VatstoreGet("v1", "baggage.z"); ok {
			t.Fatal("VatstoreGet found a key never written")
		}
	})
}
