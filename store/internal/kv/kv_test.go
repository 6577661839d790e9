package kv

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/store/driver"
)

func TestPrefixEnd(t *testing.T) {
	for _, c := range []struct {
		prefix, end string
		bounded     bool
	}{
		{"v1.c.", "v1.c/", true},
		{"a", "b", true},
		{"a\xff", "b", true},
		{"a\xff\xff", "b", true},
		{"a\x00", "a\x01", true},
		{"\xfe\xff", "\xff", true},
		{"", "", false},
		{"\xff", "", false},
		{"\xff\xff", "", false},
	} {
		end, bounded := PrefixEnd(c.prefix)
		if end != c.end || bounded != c.bounded {
			t.Errorf("PrefixEnd(%q) = %q, %v; want %q, %v", c.prefix, end, bounded, c.end, c.bounded)
		}
	}
}

// fakePages serves sorted pairs the way a driver's query would.
func fakePages(pairs []Pair, calls *int) Page {
	return func(from, end string, bounded bool, limit int) ([]Pair, error) {
		*calls++
		var out []Pair
		for _, p := range pairs {
			if p.Key >= from && (!bounded || p.Key < end) && len(out) < limit {
				out = append(out, p)
			}
		}
		return out, nil
	}
}

func TestScanPagesThroughEveryKeyOnce(t *testing.T) {
	var pairs []Pair
	for i := range 2*PageSize + 3 {
		pairs = append(pairs, Pair{fmt.Sprintf("p.%05d", i), "v"})
	}
	// Neighbours outside the prefix on both sides.
	all := append([]Pair{{"p-", "x"}}, pairs...)
	all = append(all, Pair{"p/", "x"})

	calls := 0
	var got []string
	err := Scan("p.", fakePages(all, &calls), func(k, v string) error {
		got = append(got, k)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(pairs) {
		t.Fatalf("got %d keys, want %d", len(got), len(pairs))
	}
	for i, k := range got {
		if k != pairs[i].Key {
			t.Fatalf("key %d = %q, want %q", i, k, pairs[i].Key)
		}
	}
	if calls != 3 {
		t.Errorf("read %d pages, want 3", calls)
	}
}

func TestScanStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop")
	calls, seen := 0, 0
	err := Scan("", fakePages([]Pair{{"a", ""}, {"b", ""}}, &calls), func(k, v string) error {
		seen++
		return stop
	})
	if err != stop || seen != 1 {
		t.Errorf("err = %v after %d keys; want the callback's error after 1", err, seen)
	}
}

func TestErrorf(t *testing.T) {
	cause := errors.New("cause")
	err := Errorf(driver.ErrLocked, "store %s is busy: %w", "/x", cause)
	if !errors.Is(err, driver.ErrLocked) || !errors.Is(err, cause) {
		t.Errorf("errors.Is fails for %v", err)
	}
	if err.Error() != "store /x is busy: cause" {
		t.Errorf("text %q", err)
	}
}

func TestNewerSchema(t *testing.T) {
	err := NewerSchema("/x/kernel.db", 7, 1)
	if !errors.Is(err, driver.ErrNewerSchema) {
		t.Errorf("not ErrNewerSchema: %v", err)
	}
	for _, want := range []string{"/x/kernel.db", "7", "1", "newer ocap kernel"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}
