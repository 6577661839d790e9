package marshal

import (
	"encoding/json"
	"math"
	"math/big"
	"os"
	"reflect"
	"slices"
	"testing"
)

type vector struct {
	Name  string   `json:"name"`
	Body  string   `json:"body"`
	Slots []string `json:"slots"`
	Note  string   `json:"note"`
	Error string   `json:"error"`
}

func loadVectors(t testing.TB, file string) map[string]vector {
	t.Helper()
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var list []vector
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	if len(list) == 0 {
		t.Fatalf("%s is empty", file)
	}
	m := map[string]vector{}
	for _, v := range list {
		if _, dup := m[v.Name]; dup {
			t.Fatalf("%s: duplicate vector %q", file, v.Name)
		}
		m[v.Name] = v
	}
	return m
}

// Every body @endo/marshal wrote decodes, and encodes back to the same bytes.
func TestVectorsRoundTrip(t *testing.T) {
	for name, v := range loadVectors(t, "vectors.json") {
		t.Run(name, func(t *testing.T) {
			got, err := Unmarshal(CapData{Body: v.Body, Slots: v.Slots})
			if err != nil {
				t.Fatalf("Unmarshal(%s): %v", v.Body, err)
			}
			cd, err := Marshal(got)
			if err != nil {
				t.Fatalf("Marshal(%#v): %v", got, err)
			}
			if cd.Body != v.Body {
				t.Errorf("body\n got %s\nwant %s", cd.Body, v.Body)
			}
			if !slices.Equal(cd.Slots, v.Slots) {
				t.Errorf("slots got %q want %q", cd.Slots, v.Slots)
			}
		})
	}
}

// Every body @endo/marshal refuses, the Go decoder refuses too.
func TestInvalidVectors(t *testing.T) {
	for name, v := range loadVectors(t, "invalid.json") {
		t.Run(name, func(t *testing.T) {
			got, err := Unmarshal(CapData{Body: v.Body, Slots: v.Slots})
			if err == nil {
				t.Fatalf("Unmarshal(%s) = %#v, want an error like %q", v.Body, got, v.Error)
			}
		})
	}
}

func bigint(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return n
}

// goValues are Go values that must encode to the named vector's bytes, and
// (when decodes is set) are what the vector decodes to.
var goValues = []struct {
	name    string
	value   any
	decodes bool
}{
	{"null", nil, true},
	{"undefined", Undefined{}, true},
	{"true", true, true},
	{"false", false, true},
	{"zero", 0.0, true},
	{"negzero", math.Copysign(0, -1), false},
	{"int", 42, false},
	{"int", int8(42), false},
	{"int", uint64(42), false},
	{"int", 42.0, true},
	{"negint", int64(-7), false},
	{"float", 1.5, true},
	{"float", float32(1.5), false},
	{"tenth", 0.1, true},
	{"tenth", float32(0.1), false},
	{"tenth", json.Number("0.1"), false},
	{"1e21", 1e21, true},
	{"1e20", 1e20, true},
	{"1e-7", 1e-7, true},
	{"1e-6", 1e-6, true},
	{"1.5e-7", 1.5e-7, true},
	{"1.2345e25", 1.2345e25, true},
	{"maxsafe", 1<<53 - 1, false},
	{"2pow53", uint64(1 << 53), false},
	{"maxvalue", math.MaxFloat64, true},
	{"minvalue", math.SmallestNonzeroFloat64, true},
	{"Infinity", math.Inf(1), true},
	{"-Infinity", math.Inf(-1), true},
	{"bigint0", big.NewInt(0), true},
	{"bigint123", big.NewInt(123), true},
	{"bigint123", *big.NewInt(123), false},
	{"bigint-123", big.NewInt(-123), true},
	{"bigint2pow70", bigint("1180591620717411303424"), true},
	{"bigint-2pow70", bigint("-1180591620717411303424"), true},
	{"emptystring", "", true},
	{"hello", "hello", true},
	{"unicode", "unicode é😀", true},
	{"escapes", "q\"b\\n\nt\tr\rb\bf\fz\x00e\x1f", true},
	{"html", "<a>&b\u2028\u2029", true},
	{"del", "\u007f\u0080", true},
	{"lonesurrogate", "a\xed\xa0\x80b", true},
	{"lowsurrogate", "\xed\xb0\x80", true},
	{"prefix-21", "!x", true},
	{"prefix-22", "\"x", true},
	{"prefix-23", "#x", true},
	{"prefix-2d", "-x", true},
	{"prefix-2e", ".x", true},
	{"prefix-20", " x", true},
	{"hash-undefined", "#undefined", true},
	{"double-bang", "!!", true},
	{"symbol-foo", Symbol{"foo"}, true},
	{"symbol-bang", Symbol{"!x"}, true},
	{"symbol-atat", Symbol{"@@@@foo"}, true},
	{"symbol-asyncIterator", Symbol{"@@asyncIterator"}, true},
	{"emptyarray", []any{}, true},
	{"emptyarray", []any(nil), false},
	{"emptyarray", []string{}, false},
	{"array", []any{1, "two", true, nil}, false},
	{"array", []any{1.0, "two", true, nil}, true},
	{"array-undefined", []any{Undefined{}, 1.0, Undefined{}}, true},
	{"array-specials", []any{"#a", "!b", math.NaN(), big.NewInt(5), math.Copysign(0, -1)}, false},
	{"ping", []any{"ping", []any{1.0, "hello"}}, true},
	{"ping", [2]any{"ping", []any{1, "hello"}}, false},
	{"emptyrecord", map[string]any{}, true},
	{"emptyrecord", map[string]int(nil), false},
	{"emptyrecord", struct{}{}, false},
	{"record", map[string]any{"b": 2.0, "a": 1.0, "c": 3.0}, true},
	{"record", map[string]int{"c": 3, "a": 1, "b": 2}, false},
	{"record", struct {
		B  int `json:"b"`
		A  int `json:"a"`
		C  int `json:"c"`
		D  int `json:"d,omitempty"`
		E  int `json:"-"`
		ok int
	}{B: 2, A: 1, C: 3, E: 5, ok: 1}, false},
	{"record-undefined", map[string]any{"u": Undefined{}, "n": nil}, true},
	{"record-keyorder", map[string]any{"b": 1.0, "B": 2.0, "aa": 3.0, "a": 4.0, "": 5.0, "_": 6.0, "~": 7.0}, true},
	{"record-specialkeys", map[string]any{"#k": 1.0, "!b": 2.0, "$r": 3.0, "%s": 4.0, "&p": 5.0, "+n": 6.0, "-m": 7.0, "x": 8.0}, true},
	{"record-intkeys", map[string]any{"b": 1.0, "10": 2.0, "9": 3.0, "a": 4.0, "01": 5.0, "4294967294": 6.0, "4294967295": 7.0, "-1": 8.0, "1.5": 9.0}, true},
	{"record-unicodekeys", map[string]any{"\uff5e": 1.0, "😀": 2.0, "é": 3.0, "z": 4.0}, true},
	{"tagged", Tagged{"copySet", []any{1.0, 2.0}}, true},
	{"tagged", &Tagged{"copySet", []int{1, 2}}, false},
	{"tagged-specialtag", Tagged{"#weird", nil}, true},
	{"tagged-undefinedpayload", Tagged{"t", Undefined{}}, true},
	{"error", &Error{Name: "Error", Message: "boom"}, true},
	{"error", Error{Message: "boom"}, false},
	{"error", errorString("boom"), false},
	{"typeerror", &Error{Name: "TypeError", Message: "bad type"}, true},
	{"error-specialmsg", &Error{Name: "Error", Message: "#not special"}, true},
	{"error-nested", map[string]any{"err": &Error{Name: "TypeError", Message: "inner"}}, true},
	{"error-tagged", &Error{Name: "Error", Message: "boom", ErrorID: "error:anon-marshal#10001"}, true},
	{"remotable", Ref{Kref: "o+0", Iface: "Alleged: root"}, true},
	{"remotable", &Ref{Kref: "o+0", Iface: "Alleged: root"}, false},
	{"remotable-twice", []any{Ref{"o+0", "Alleged: root"}, Ref{"o+0", "Alleged: root"}}, true},
	{"remotable-twice", []any{Ref{"o+0", "Alleged: root"}, Ref{"o+0", ""}}, false},
	{"promise", Ref{Kref: "p+1"}, true},
	{"promise", Ref{Kref: "p+1", Iface: "ignored for promises"}, false},
	{"promise-twice", map[string]any{"a": Ref{Kref: "p+1"}, "b": Ref{Kref: "p+1"}}, true},
	{"mix", map[string]any{
		"root":  Ref{"o+0", "Alleged: root"},
		"p":     Ref{Kref: "p+1"},
		"other": Ref{"o-2", "Alleged: other"},
		"list":  []any{Ref{"o-2", "Alleged: other"}, Ref{"o+0", "Alleged: root"}, Ref{Kref: "p-3"}},
		"n":     1.0,
	}, true},
	{"kernel-refs", []any{Ref{"ko12", "Alleged: kernelThing"}, Ref{Kref: "kp7"}, Ref{"ko12", "Alleged: kernelThing"}}, true},
	{"args", []any{"getWeatherReport", []any{"Paris", Ref{"o+0", "Alleged: root"}}}, true},
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestGoValuesEncodeAsVectors(t *testing.T) {
	vectors := loadVectors(t, "vectors.json")
	for _, tc := range goValues {
		v, ok := vectors[tc.name]
		if !ok {
			t.Fatalf("no vector %q", tc.name)
		}
		cd, err := Marshal(tc.value)
		if err != nil {
			t.Errorf("%s: Marshal(%#v): %v", tc.name, tc.value, err)
			continue
		}
		if cd.Body != v.Body || !slices.Equal(cd.Slots, v.Slots) {
			t.Errorf("%s: Marshal(%#v)\n got %s %q\nwant %s %q", tc.name, tc.value, cd.Body, cd.Slots, v.Body, v.Slots)
		}
	}
}

func TestVectorsDecodeToGoValues(t *testing.T) {
	vectors := loadVectors(t, "vectors.json")
	for _, tc := range goValues {
		if !tc.decodes {
			continue
		}
		v := vectors[tc.name]
		got, err := Unmarshal(CapData{Body: v.Body, Slots: v.Slots})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !sameValue(got, tc.value) {
			t.Errorf("%s: Unmarshal(%s) = %#v, want %#v", tc.name, v.Body, got, tc.value)
		}
	}
}

// sameValue is reflect.DeepEqual except that bigints compare by value and
// NaN equals NaN.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case *big.Int:
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || math.IsNaN(x) && math.IsNaN(y))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if _, has := y[k]; !has || !sameValue(x[k], y[k]) {
				return false
			}
		}
		return true
	case Tagged:
		y, ok := b.(Tagged)
		return ok && x.Tag == y.Tag && sameValue(x.Payload, y.Payload)
	}
	return reflect.DeepEqual(a, b)
}
