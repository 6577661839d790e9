package keeper

import "testing"

// A map that shrank to a quarter of its peak is rebuilt at its size; one
// still near its peak, or small, is kept.
func TestCompactRebuildsShrunkMaps(t *testing.T) {
	m := map[string]int{}
	peak := 0
	for i := range 10000 {
		m[string(rune(i))] = i
	}
	peak = len(m)
	for i := range 9000 {
		delete(m, string(rune(i)))
	}
	m[""] = -1 // a marker: the copy must keep every entry
	out := compact(m, &peak)
	if len(out) != 1001 || out[""] != -1 || out[string(rune(9999))] != 9999 {
		t.Fatalf("the compacted map has %d entries", len(out))
	}
	out[""] = -2
	if m[""] != -1 {
		t.Fatal("compact did not copy the shrunk map")
	}
	if peak != 1001 {
		t.Fatalf("peak after compacting = %d, want 1001", peak)
	}
	if again := compact(out, &peak); again[""] != -2 || len(again) != 1001 {
		t.Fatal("a map at its peak was changed")
	}
	small, smallPeak := map[string]int{"a": 1}, 100
	if compact(small, &smallPeak)["a"] != 1 || smallPeak != 100 {
		t.Fatal("a map under compactFloor was rebuilt")
	}
}
