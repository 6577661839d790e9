package liveslots

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// BenchmarkLongRunMemory measures what a worker keeps over a long run: two
// vats in this process, driven as the kernel would drive them. Each
// iteration is one vat-to-vat round trip (A's root sends look() to B's
// root through a result promise, B answers, A is notified and answers);
// every tenth also passes a fresh exo from A to B, which B drops. Every
// 1,000 iterations B brings out its dead and the kernel's answer follows:
// dropExports and retireExports to A, then A brings out its dead.
//
// It reports the live heap and the process's resident memory after the
// first 10,000 iterations and at the end (go test -bench LongRunMemory
// -benchtime 1000000x ./liveslots/); with garbage collection working,
// the end is within noise of the start.
func BenchmarkLongRunMemory(b *testing.B) {
	a, bv := benchVatFile(b, "gc.js"), benchVatFile(b, "gc.js")
	deliver := func(v *Vat, d *workerpb.Delivery) []*workerpb.Syscall {
		res := v.Deliver(d)
		if res.Error != "" {
			b.Fatalf("delivery: %s", res.Error)
		}
		return res.Syscalls
	}
	var passed []string // A's o+N that B was given since the last collection
	var heapStart, rssStart float64
	b.ReportAllocs()
	for i := 1; b.Loop(); i++ {
		n := strconv.Itoa(i)
		sent := deliver(a, messageDelivery("o+0", capdata(`#["ask",["$0","look"]]`, "o-1"), "p-"+n))
		result := sent[0].GetSend().GetResult()
		deliver(bv, messageDelivery("o+0", capdata(`#["look",[]]`), "p-"+n))
		deliver(a, notifyDelivery(resolution(result, false, `#"undefined"`)))
		if i%10 == 0 {
			out := deliver(a, messageDelivery("o+0", capdata(`#["makeThing",["t"]]`), "p-"+n))
			vref := out[0].GetResolve().GetResolutions()[0].GetData().GetSlots()[0]
			passed = append(passed, vref)
			// The kernel gives B the same number, o-N for A's o+N.
			deliver(bv, messageDelivery("o+0", capdata(`#["look",["$0"]]`, "o-"+vref[2:]), "p-"+n))
		}
		if i%1000 == 0 {
			deliver(bv, &workerpb.Delivery{Kind: &workerpb.Delivery_BringOutYourDead{BringOutYourDead: &workerpb.Empty{}}})
			if len(passed) > 0 {
				deliver(a, vrefDelivery("dropExports", passed...))
				deliver(a, vrefDelivery("retireExports", passed...))
				passed = nil
			}
			deliver(a, &workerpb.Delivery{Kind: &workerpb.Delivery_BringOutYourDead{BringOutYourDead: &workerpb.Empty{}}})
		}
		if i == 10000 {
			heapStart, rssStart = memoryNow(b)
		}
	}
	heapEnd, rssEnd := memoryNow(b)
	b.ReportMetric(heapStart, "heapMiB@10k")
	b.ReportMetric(heapEnd, "heapMiB@end")
	b.ReportMetric(rssStart, "rssMiB@10k")
	b.ReportMetric(rssEnd, "rssMiB@end")
}

// memoryNow is the live heap after a full collection and the resident
// memory once freed pages went back to the OS, in MiB.
func memoryNow(b *testing.B) (heap, rss float64) {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			rss = kb / 1024
		}
	}
	return float64(ms.HeapAlloc) / (1 << 20), rss
}
