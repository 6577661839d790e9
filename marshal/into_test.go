package marshal

import (
	"math/big"
	"strings"
	"testing"
)

func TestDecodeIntoGoValues(t *testing.T) {
	type reading struct {
		City    string   `json:"city"`
		Celsius float64  `json:"celsius"`
		Count   int64    `json:"count"`
		Big     *big.Int `json:"big"`
		Station string   `json:"station"`
		Tags    []string `json:"tags"`
		Missing *string  `json:"missing"`
	}
	cd := CapData{
		Body:  `#{"big":"+123456789012345678901234567890","celsius":21.5,"city":"Paris","count":"+42","missing":"#undefined","station":"$0.Alleged: station","tags":["a","!#b"]}`,
		Slots: []string{"ko12"},
	}
	var r reading
	if err := cd.Decode(&r); err != nil {
		t.Fatal(err)
	}
	if r.City != "Paris" || r.Celsius != 21.5 || r.Count != 42 || r.Station != "ko12" ||
		r.Big.String() != "123456789012345678901234567890" || strings.Join(r.Tags, ",") != "a,#b" || r.Missing != nil {
		t.Errorf("decoded %+v", r)
	}
	var n int
	if err := (CapData{Body: `#"hello"`}).Decode(&n); err == nil {
		t.Error("a string decoded into an int")
	}
	var f float64
	err := (CapData{Body: `#{"x":["#NaN"]}`}).Decode(&map[string]any{})
	if err == nil || !strings.Contains(err.Error(), "value.x[0] is NaN") {
		t.Errorf("NaN: %v", err)
	}
	if err := (CapData{Body: `#[`}).Decode(&f); err == nil {
		t.Error("a malformed body decoded")
	}
	var e struct{ Name, Message string }
	if err := (CapData{Body: `#{"#error":"no","name":"TypeError"}`}).Decode(&e); err != nil || e.Name != "TypeError" || e.Message != "no" {
		t.Errorf("error: %+v %v", e, err)
	}
}
