package marshal

import (
	"encoding/json"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

func TestToJSON(t *testing.T) {
	in := []any{
		nil, Undefined{}, true, 1.5, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1),
		big.NewInt(-123), "s", Symbol{"foo"}, Symbol{"@@asyncIterator"},
		map[string]any{"r": Ref{"ko12", "Alleged: root"}, "p": Ref{Kref: "kp3"}},
		Tagged{"copySet", []any{Undefined{}}},
		&Error{Name: "TypeError", Message: "bad"},
	}
	got, err := json.Marshal(ToJSON(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `[null,null,true,1.5,0,"NaN","Infinity","-Infinity","-123","s","foo","@@asyncIterator",` +
		`{"p":{"@kref":"kp3"},"r":{"@iface":"Alleged: root","@kref":"ko12"}},` +
		`{"@tag":"copySet","payload":[null]},{"@error":"bad","name":"TypeError"}]`
	if string(got) != want {
		t.Errorf("ToJSON\n got %s\nwant %s", got, want)
	}
}

func TestFromJSON(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(`[{"@kref":"ko12"},{"@kref":"ko3","@iface":"Alleged: x"},` +
		`{"@kref":"ko4","other":1},{"@kref":5},{"a":{"@kref":"kp1"}},7,"s",null]`))
	dec.UseNumber()
	var j any
	if err := dec.Decode(&j); err != nil {
		t.Fatal(err)
	}
	got := FromJSON(j)
	want := []any{
		Ref{Kref: "ko12"},
		Ref{Kref: "ko3", Iface: "Alleged: x"},
		map[string]any{"@kref": "ko4", "other": 7.0 - 6},
		map[string]any{"@kref": 5.0},
		map[string]any{"a": Ref{Kref: "kp1"}},
		7.0, "s", nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromJSON\n got %#v\nwant %#v", got, want)
	}
	// A CLI argument goes from JSON text to a body.
	cd, err := Marshal(FromJSON(map[string]any{"to": map[string]any{"@kref": "ko12"}, "n": 2.0}))
	if err != nil || cd.Body != `#{"n":2,"to":"$0"}` || cd.Slots[0] != "ko12" {
		t.Errorf("got %v %v", cd, err)
	}
}
