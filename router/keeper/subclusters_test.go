package keeper

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestSubclusterRoundTrip(t *testing.T) {
	k, st := memKeeper(t)
	rec := &Subcluster{
		ID:        "s3",
		Name:      "weather-system",
		System:    true,
		State:     Running,
		Vats:      []string{"v4", "v5"},
		VatNames:  []string{"alice", "bob"},
		Bootstrap: "alice",
		RootKref:  "ko9",
		Services:  []string{"calc", "input"},
		Config:    json.RawMessage(`{"bootstrap":"alice"}`),
		IO:        map[string]json.RawMessage{"input": json.RawMessage(`{"type":"file","path":"in.txt"}`)},
		Dir:       "/tmp/cluster",
	}
	if _, ok := k.Subcluster("s3"); ok {
		t.Fatal("a subcluster exists before it is written")
	}
	committed(t, k, func() {
		k.SetSubcluster(rec)
		k.SetSubcluster(&Subcluster{ID: "s1", State: Launching, Vats: []string{}, VatNames: []string{}})
	})
	for _, k := range []*Keeper{k, New(st)} {
		got, ok := k.Subcluster("s3")
		if !ok {
			t.Fatal("Subcluster(s3) not found")
		}
		equal(t, "Subcluster(s3)", got, rec)
		if id, ok := k.SystemSubcluster("weather-system"); !ok || id != "s3" {
			t.Fatalf("SystemSubcluster = %q, %v", id, ok)
		}
		if _, ok := k.SystemSubcluster("s1"); ok {
			t.Fatal("a subcluster without a name has a system name")
		}
		equal(t, "SystemSubclusterNames", k.SystemSubclusterNames(), []string{"weather-system"})
	}
	committed(t, k, func() { k.DeleteSubcluster(rec) })
	for _, k := range []*Keeper{k, New(st)} {
		if _, ok := k.Subcluster("s3"); ok {
			t.Fatal("a deleted subcluster is still there")
		}
		if _, ok := k.SystemSubcluster("weather-system"); ok {
			t.Fatal("a deleted subcluster's name is still there")
		}
		if got := k.SystemSubclusterNames(); len(got) != 0 {
			t.Fatalf("SystemSubclusterNames = %v", got)
		}
		if got := k.Subclusters(); len(got) != 1 || got[0].ID != "s1" || got[0].State != Launching {
			t.Fatalf("Subclusters = %+v", got)
		}
	}
}

// Subclusters lists by id in byte order (s10 before s2), as documented.
func TestSubclustersByteOrder(t *testing.T) {
	k, _ := memKeeper(t)
	for _, id := range []string{"s2", "s10", "s1", "s3"} {
		k.SetSubcluster(&Subcluster{ID: id, State: Running})
	}
	var ids []string
	for _, sc := range k.Subclusters() {
		ids = append(ids, sc.ID)
	}
	equal(t, "Subclusters order", ids, []string{"s1", "s10", "s2", "s3"})
}

func TestSubclustersScanSeesEveryStage(t *testing.T) {
	checkScanStages(t, scanFamily{
		put: func(k *Keeper, i int) {
			k.SetSubcluster(&Subcluster{ID: fmt.Sprintf("s%d", i), State: Running, RootKref: fmt.Sprintf("ko%d", i)})
		},
		drop: func(k *Keeper, i int) { k.DeleteSubcluster(&Subcluster{ID: fmt.Sprintf("s%d", i)}) },
		list: func(k *Keeper) []string {
			var out []string
			for _, sc := range k.Subclusters() {
				out = append(out, sc.ID)
			}
			return out
		},
		name: func(i int) string { return fmt.Sprintf("s%d", i) },
	})
}

// System subcluster names may hold dots.
func TestSystemSubclusterNamesScanSeesEveryStage(t *testing.T) {
	sc := func(i int) *Subcluster {
		return &Subcluster{ID: fmt.Sprintf("s%d", i), Name: fmt.Sprintf("sys.tem-%d", i), System: true, State: Running}
	}
	checkScanStages(t, scanFamily{
		put:  func(k *Keeper, i int) { k.SetSubcluster(sc(i)) },
		drop: func(k *Keeper, i int) { k.DeleteSubcluster(sc(i)) },
		list: func(k *Keeper) []string {
			names := k.SystemSubclusterNames()
			for _, name := range names {
				var i int
				fmt.Sscanf(name, "sys.tem-%d", &i)
				if id, ok := k.SystemSubcluster(name); !ok || id != fmt.Sprintf("s%d", i) {
					panic("system subcluster " + name + " is " + id)
				}
			}
			return names
		},
		name: func(i int) string { return sc(i).Name },
	})
}
