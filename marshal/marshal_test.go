package marshal

import (
	"math"
	"math/big"
	"strings"
	"testing"
)

func TestMarshalErrorsNameThePlace(t *testing.T) {
	cyclic := []any{nil}
	cyclic[0] = cyclic
	tests := []struct {
		value any
		want  string
	}{
		{func() {}, "cannot marshal func()"},
		{[]any{1, map[string]any{"x": func() {}}}, "cannot marshal func() at [1].x"},
		{map[string]any{"a b": []any{make(chan int)}}, `cannot marshal chan int at ["a b"][0]`},
		{Tagged{"t", []any{func(int) {}}}, "cannot marshal func(int) at .payload[0]"},
		{struct {
			F func() `json:"fn"`
		}{}, "cannot marshal func() at .fn"},
		{map[int]string{1: "a"}, "cannot marshal map[int]string: record keys must be strings"},
		{[]byte("hi"), "cannot marshal []uint8: byte arrays have no smallcaps encoding yet"},
		{int64(1<<53 + 1), "cannot marshal integer 9007199254740993"},
		{uint64(math.MaxUint64), "cannot marshal integer 18446744073709551615"},
		{Symbol{"@@nope"}, `symbol name "@@nope" is reserved`},
		{Ref{}, "cannot marshal a Ref with an empty Kref"},
		{cyclic, "nested too deeply"},
		{complex(1, 2), "cannot marshal complex128"},
	}
	for _, tc := range tests {
		_, err := Marshal(tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Marshal(%T) error = %v, want it to contain %q", tc.value, err, tc.want)
		}
	}
	// The exact message for the documented example.
	_, err := Marshal([]any{1, map[string]any{"x": func() {}}})
	if err.Error() != "cannot marshal func() at [1].x" {
		t.Errorf("got %q", err)
	}
}

func TestMarshalExactLargeIntegers(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		// Exact in a float64, printed with JavaScript's shortest digits.
		{int64(1 << 60), "#1152921504606847000"},
		{uint64(1 << 63), "#9223372036854776000"},
		{int64(math.MinInt64), "#-9223372036854776000"},
		{-1 << 53, "#-9007199254740992"},
	} {
		cd, err := Marshal(tc.v)
		if err != nil || cd.Body != tc.want {
			t.Errorf("Marshal(%v) = %q, %v; want %q", tc.v, cd.Body, err, tc.want)
		}
	}
}

func TestMarshalStructs(t *testing.T) {
	type Inner struct {
		Z string `json:"z"`
		A string
	}
	type Outer struct {
		Inner
		Name  string            `json:"name"`
		Opt   []string          `json:"opt,omitempty"`
		Ptr   *int              `json:"ptr"`
		Map   map[string]string `json:"map,omitempty"`
		Ref   *Ref              `json:"ref,omitempty"`
		inner int
	}
	cd, err := Marshal(Outer{Inner: Inner{Z: "z", A: "#a"}, Name: "n", Ref: &Ref{Kref: "ko1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `#{"A":"!#a","name":"n","ptr":null,"ref":"$0","z":"z"}`
	if cd.Body != want || len(cd.Slots) != 1 || cd.Slots[0] != "ko1" {
		t.Errorf("got %s %q, want %s [ko1]", cd.Body, cd.Slots, want)
	}
}

func TestMarshalManySlots(t *testing.T) {
	var list []any
	for i := range 40 {
		list = append(list, Ref{Kref: "ko" + string(rune('A'+i))})
	}
	list = append(list, list...)
	cd, err := Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	if len(cd.Slots) != 40 {
		t.Fatalf("got %d slots, want 40", len(cd.Slots))
	}
	back, err := cd.Unmarshal()
	if err != nil || !sameValue(back, list) {
		t.Fatalf("round trip: %v %v", back, err)
	}
	if !strings.HasSuffix(cd.Body, `"$38","$39"]`) {
		t.Errorf("repeated slots not reused: %s", cd.Body)
	}
}

func TestMarshalSlotsNeverNil(t *testing.T) {
	cd, err := Marshal("x")
	if err != nil || cd.Slots == nil {
		t.Fatalf("Slots = %#v, %v", cd.Slots, err)
	}
}

func TestUnmarshal(t *testing.T) {
	tests := []struct {
		body  string
		slots []string
		want  any
	}{
		{"# [ 1 , 2 ]\n", nil, []any{1.0, 2.0}},
		{`#{"!":1,"!!x":2}`, nil, map[string]any{"": 1.0, "!x": 2.0}},
		{`#["$0.Alleged: x","$0.Alleged: y","$0"]`, []string{"ko1"}, []any{Ref{"ko1", "Alleged: x"}, Ref{"ko1", "Alleged: x"}, Ref{"ko1", "Alleged: x"}}},
		{`#"$0."`, []string{"o+1"}, Ref{"o+1", ""}},
		{`#"&0.ignored"`, []string{"kp1"}, Ref{Kref: "kp1"}},
		{`#"\u0041\ud83d\ude00\/"`, nil, "A😀/"},
		{`#"\ud83dx"`, nil, "\xed\xa0\xbdx"},
		{`#1e400`, nil, math.Inf(1)},
		{`#-1e400`, nil, math.Inf(-1)},
		{`#-0`, nil, math.Copysign(0, -1)},
		{`#"+007"`, nil, big.NewInt(7)},
		{`#"-0"`, nil, big.NewInt(0)},
		{`#{"#error":"m","name":"Error","errorId":5,"cause":{"#error":"c","name":"Error"},"extra":1}`, nil, &Error{Name: "Error", Message: "m"}},
		{`#{"#error":"!#m","name":"!%n","errorId":"!$id"}`, nil, &Error{Name: "%n", Message: "#m", ErrorID: "$id"}},
		{`#{"payload":1,"#tag":"!#t"}`, nil, Tagged{"#t", 1.0}},
		{`#{"a":1,"a":2}`, nil, map[string]any{"a": 2.0}},
		{`#"%@@@@x"`, nil, Symbol{"@@@@x"}},
		{`#"%@@dispose"`, nil, Symbol{"@@dispose"}},
		{"#\"\xff\\ud800\xed\xa0\xbd\xed\xb8\x80\"", nil, "\uFFFD\xed\xa0\x80\U0001F600"},
	}
	for _, tc := range tests {
		got, err := Unmarshal(CapData{Body: tc.body, Slots: tc.slots})
		if err != nil {
			t.Errorf("Unmarshal(%s): %v", tc.body, err)
			continue
		}
		if !sameValue(got, tc.want) {
			t.Errorf("Unmarshal(%s) = %#v, want %#v", tc.body, got, tc.want)
		}
	}
}

func TestUnmarshalRefuses(t *testing.T) {
	tests := []struct {
		body  string
		slots []string
		want  string
	}{
		{"", nil, "not smallcaps"},
		{`[1]`, nil, "not smallcaps"},
		{"#", nil, "unexpected end of body"},
		{"#  ", nil, "unexpected end of body"},
		{`#"&0"`, []string{"o+1"}, `"&0" marks slot 0 as a promise, but "o+1" is not a promise`},
		{`#"$0"`, []string{"kp1"}, `"$0" marks slot 0 as a remotable, but "kp1" is a promise`},
		{`#"$1"`, []string{"o+0"}, "out of range"},
		{`#"$"`, []string{"o+0"}, "invalid slot reference"},
		{`#"$-1"`, []string{"o+0"}, "invalid slot reference"},
		{`#"$ 0"`, []string{"o+0"}, "invalid slot reference"},
		{`#"$0"`, []string{""}, "slot 0 is empty"},
		{`#"$99999999999999999999"`, []string{"o+0"}, "invalid slot reference"},
		{`#01`, nil, "after the value"},
		{`#-`, nil, "invalid number"},
		{`#1.`, nil, "invalid number"},
		{`#1e`, nil, "invalid number"},
		{`#.5`, nil, "unexpected '.'"},
		{`#"\x"`, nil, "invalid JSON string"},
		{"#\"a\nb\"", nil, "invalid JSON string"},
		{`#"abc`, nil, "invalid JSON string"},
		{`#"\u12"`, nil, "invalid JSON string"},
		{`#[1 2]`, nil, "expected ',' or ']'"},
		{`#[1,]`, nil, "unexpected ']'"},
		{`#{"a" 1}`, nil, "expected ':'"},
		{`#{a:1}`, nil, "expected a string key"},
		{`#{"a":1,}`, nil, "expected a string key"},
		{`#{"a":1`, nil, "unexpected end of body in an object"},
		{`#tru`, nil, "unexpected 't'"},
		{`#"+"`, nil, "invalid bigint"},
		{`#"-1.5"`, nil, "invalid bigint"},
		{`#{"#error":1,"name":"E"}`, nil, "error message must be a string, not a number"},
		{`#{"#tag":"t","payload":"$0"}`, nil, "out of range"},
		{`#{"x":{"#k":1}}`, nil, `record key "#k" starts with '#'`},
		{`#{"&0":1}`, []string{"p+1"}, `record key "&0" does not decode to a string`},
		{`#{"#tag":"t","payload":1,"b":2,"a":3}`, nil, `unexpected properties ["a", "b"]`},
	}
	for _, tc := range tests {
		got, err := Unmarshal(CapData{Body: tc.body, Slots: tc.slots})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Unmarshal(%q) = %#v, %v; want an error containing %q", tc.body, got, err, tc.want)
		}
	}
}

func TestUnmarshalDeepNesting(t *testing.T) {
	for _, open := range []string{"[", `{"a":`, `{"#tag":"t","payload":`} {
		body := "#" + strings.Repeat(open, maxDepth+10)
		if _, err := Unmarshal(CapData{Body: body}); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
			t.Errorf("%s...: got %v", open, err)
		}
	}
}

func TestStringEscapes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"\xff", "\"\uFFFD\""},
		{"a\xed\xa0", "\"a\uFFFD\uFFFD\""},
		{"\xed\xbf\xbf", `"\udfff"`},
		{"\u00e9\U0001F600", "\"\u00e9\U0001F600\""},
		{"\x7f", "\"\x7f\""},
	} {
		if got := string(appendString(nil, tc.in)); got != tc.want {
			t.Errorf("appendString(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCompareKeys(t *testing.T) {
	ordered := []string{"0", "1", "2", "10", "4294967294", "", "!", "-1", "00", "01", "1.5", "4294967295", "A", "a", "aa", "b", "é", "\U0001F600", "\uff5e"}
	for i := range ordered {
		for j := range ordered {
			got := compareKeys(ordered[i], ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("compareKeys(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestErrorText(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{Name: "TypeError", Message: "bad"}, "TypeError: bad"},
		{Error{Message: "bad"}, "bad"},
		{Error{Name: "Error"}, "Error"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%#v.Error() = %q, want %q", tc.e, got, tc.want)
		}
	}
	var err error = &Error{Name: "RangeError", Message: "x"}
	cd, _ := Marshal(err)
	if cd.Body != `#{"#error":"x","name":"RangeError"}` {
		t.Errorf("got %s", cd.Body)
	}
}

func TestRefIsPromise(t *testing.T) {
	for kref, want := range map[string]bool{"p+1": true, "p-3": true, "kp7": true, "o+0": false, "ko12": false, "o-5": false, "d+1": false} {
		if got := (Ref{Kref: kref}).IsPromise(); got != want {
			t.Errorf("Ref{%q}.IsPromise() = %v", kref, got)
		}
	}
}
