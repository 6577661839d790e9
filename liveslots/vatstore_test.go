package liveslots

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// kernelSide answers reads from a map, as the kernel does from its store,
// and counts them.
type kernelSide struct {
	entries map[string]string
	reads   int
}

func (k *kernelSide) read(req *workerpb.VatstoreRead) (*workerpb.VatstoreReadResult, error) {
	k.reads++
	res := &workerpb.VatstoreReadResult{}
	for _, key := range req.GetKeys() {
		v, ok := k.entries[key]
		res.Values = append(res.Values, &workerpb.VatstoreValue{Value: v, Found: ok})
	}
	if req.GetScanLimit() > 0 {
		var keys []string
		for key := range k.entries {
			if strings.HasPrefix(key, req.GetScanPrefix()) && key > req.GetScanAfter() {
				keys = append(keys, key)
			}
		}
		sort.Strings(keys)
		if len(keys) > int(req.GetScanLimit()) {
			keys, res.More = keys[:req.GetScanLimit()], true
		}
		for _, key := range keys {
			res.Entries = append(res.Entries, &workerpb.VatstoreEntry{Key: key, Value: k.entries[key]})
		}
	}
	return res, nil
}

// walk lists every key with prefix, limit at a time.
func walk(t *testing.T, s *vatstore, prefix string, limit int) []string {
	t.Helper()
	var out []string
	after := ""
	for {
		entries, more, err := s.nextEntries(prefix, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			out = append(out, e.key+"="+e.value)
			after = e.key
		}
		if !more || len(entries) == 0 {
			return out
		}
	}
}

func TestVatstoreReadsOnDemandAndMergesItsWrites(t *testing.T) {
	k := &kernelSide{entries: map[string]string{"a.1": "1", "a.2": "2", "a.3": "3", "a.5": "5", "b.1": "x"}}
	s := newVatstore()
	s.read = k.read
	if err := s.load([]*workerpb.VatstoreEntry{{Key: "a.1", Value: "1"}}, true); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := s.get("a.1"); !ok || v != "1" || k.reads != 0 {
		t.Fatalf("get(a.1) = %q %v after %d reads, want 1 from what StartVat carried", v, ok, k.reads)
	}
	if v, ok, _ := s.get("a.3"); !ok || v != "3" || k.reads != 1 {
		t.Fatalf("get(a.3) = %q %v after %d reads, want 3 from one read", v, ok, k.reads)
	}
	s.get("a.3")
	if _, ok, _ := s.get("a.9"); ok || k.reads != 2 {
		t.Fatalf("get(a.9) found, or %d reads", k.reads)
	}
	s.get("a.9")
	if k.reads != 2 {
		t.Fatalf("cached keys were read again: %d reads", k.reads)
	}
	// Writes the kernel has not seen yet show in scans, however the
	// batches fall.
	s.delete("a.2")
	s.set("a.4", "4")
	s.set("a.9", "9")
	want := []string{"a.1=1", "a.3=3", "a.4=4", "a.5=5", "a.9=9"}
	for limit := 1; limit <= 6; limit++ {
		if got := walk(t, s, "a.", limit); !reflect.DeepEqual(got, want) {
			t.Fatalf("walk with limit %d = %v, want %v", limit, got, want)
		}
	}
	if v, ok, _ := s.get("a.2"); ok {
		t.Fatalf("get(a.2) after its deletion = %q", v)
	}
}

func TestVatstoreCompleteNeedsNoReads(t *testing.T) {
	s := newVatstore()
	if err := s.load([]*workerpb.VatstoreEntry{{Key: "a.1", Value: "1"}, {Key: "a.2", Value: "2"}}, false); err != nil {
		t.Fatal(err)
	}
	s.set("a.0", "0")
	s.delete("a.2")
	if got := walk(t, s, "a.", 1); !reflect.DeepEqual(got, []string{"a.0=0", "a.1=1"}) {
		t.Fatalf("walk = %v", got)
	}
	if _, ok, err := s.get("zz"); ok || err != nil {
		t.Fatalf("get(zz) = %v, %v", ok, err)
	}
	if err := newVatstore().load(nil, true); err == nil || !strings.Contains(err.Error(), "cannot read the rest") {
		t.Fatalf("a partial vatstore without a reader: %v", err)
	}
}
