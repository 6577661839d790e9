package liveslots

import (
	"strconv"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func benchVat(b *testing.B) *Vat { return benchVatFile(b, "bench.js") }

// benchVatFile starts a vat from a testdata bundle, logging nowhere.
func benchVatFile(b *testing.B, name string) *Vat {
	b.Helper()
	v, err := New(hclog.NewNullLogger(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(v.Close)
	if res := v.Deliver(startDelivery(readBundle(b, name), nil, nil)); res.Error != "" {
		b.Fatal(res.Error)
	}
	return v
}

// BenchmarkPingDelivery is one message delivery, ping(i, "hello"), and its
// resolve syscall: the hot path of every crank.
func BenchmarkPingDelivery(b *testing.B) {
	v := benchVat(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n := strconv.Itoa(i)
		res := v.Deliver(messageDelivery("o+0", capdata(`#["ping",[`+n+`,"hello"]]`), "p-"+n))
		if res.Error != "" || len(res.Syscalls) != 1 {
			b.Fatalf("%+v", res)
		}
	}
}

// BenchmarkBaggageDelivery also reads and writes one baggage key.
func BenchmarkBaggageDelivery(b *testing.B) {
	v := benchVat(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n := strconv.Itoa(i)
		res := v.Deliver(messageDelivery("o+0", capdata(`#["count",[`+n+`]]`), "p-"+n))
		if res.Error != "" || len(res.Syscalls) != 2 {
			b.Fatalf("%+v", res)
		}
	}
}

// BenchmarkSendAndNotify is a round trip through another vat: a message
// whose method sends with E(), then the notify that settles it.
func BenchmarkSendAndNotify(b *testing.B) {
	v := benchVat(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n := strconv.Itoa(i)
		res := v.Deliver(messageDelivery("o+0", capdata(`#["relay",["$0.Alleged: peer",`+n+`]]`, "o-1"), "p-"+n))
		if res.Error != "" || len(res.Syscalls) < 2 {
			b.Fatalf("%+v", res)
		}
		sent := res.Syscalls[0].GetSend().GetResult()
		res = v.Deliver(notifyDelivery(resolution(sent, false, "#"+n)))
		if res.Error != "" || len(res.Syscalls) != 1 {
			b.Fatalf("%+v", res)
		}
	}
}

// BenchmarkNewVat is a fresh runtime with liveslots loaded and the realm
// locked down, then a StartVat of a small bundle: the cost of one worker's
// start (scripts compile once per process, outside the loop).
func BenchmarkNewVat(b *testing.B) {
	bundle := readBundle(b, "bench.js")
	b.ReportAllocs()
	for b.Loop() {
		v, err := New(hclog.NewNullLogger(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if res := v.Deliver(startDelivery(bundle, nil, nil)); res.Error != "" {
			b.Fatal(res.Error)
		}
		v.Close()
	}
}
