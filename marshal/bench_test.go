package marshal

import "testing"

var pingMessage = []any{"ping", []any{1.0, "hello"}}

func BenchmarkMarshalPing(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(pingMessage); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalPing(b *testing.B) {
	cd := CapData{Body: `#["ping",[1,"hello"]]`, Slots: []string{}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal(cd); err != nil {
			b.Fatal(err)
		}
	}
}

var recordMessage = []any{"getWeatherReport", []any{map[string]any{
	"city": "Paris", "days": 3.0, "units": "C", "service": Ref{Kref: "ko12", Iface: "Alleged: weatherService"},
}}}

func BenchmarkMarshalRecord(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(recordMessage); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalRecord(b *testing.B) {
	cd, err := Marshal(recordMessage)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal(cd); err != nil {
			b.Fatal(err)
		}
	}
}
