package liveslots

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// testLogger sends vat logs to the test's log.
func testLogger(t testing.TB) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:   "liveslots-test",
		Level:  hclog.Trace,
		Output: testWriter{t},
	})
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func newVat(t testing.TB) *Vat {
	t.Helper()
	v, err := New(testLogger(t), nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

func readBundle(t testing.TB, name string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

func startDelivery(bundle string, params *workerpb.CapData, store []*workerpb.VatstoreEntry) *workerpb.Delivery {
	return &workerpb.Delivery{Id: 1, Kind: &workerpb.Delivery_StartVat{StartVat: &workerpb.StartVat{
		VatId:      "v1",
		Name:       "test",
		Bundle:     bundle,
		BundleName: "test.bundle.js",
		Parameters: params,
		Vatstore:   store,
	}}}
}

// startVatFile starts a vat from a testdata bundle and fails the test if
// the start fails.
func startVatFile(t testing.TB, name string, params *workerpb.CapData, store []*workerpb.VatstoreEntry) (*Vat, *workerpb.DeliveryResult) {
	t.Helper()
	v := newVat(t)
	res := v.Deliver(startDelivery(readBundle(t, name), params, store))
	if res.Error != "" {
		t.Fatalf("startVat: %s", res.Error)
	}
	return v, res
}

func capdata(body string, slots ...string) *workerpb.CapData {
	return &workerpb.CapData{Body: body, Slots: slots}
}

func messageDelivery(target string, methargs *workerpb.CapData, result string) *workerpb.Delivery {
	return &workerpb.Delivery{Id: 2, Kind: &workerpb.Delivery_Message{Message: &workerpb.Message{
		Target: target, Methargs: methargs, Result: result,
	}}}
}

func notifyDelivery(rs ...*workerpb.Resolution) *workerpb.Delivery {
	return &workerpb.Delivery{Id: 3, Kind: &workerpb.Delivery_Notify{Notify: &workerpb.Notify{Resolutions: rs}}}
}

func resolution(vref string, rejected bool, body string, slots ...string) *workerpb.Resolution {
	return &workerpb.Resolution{Vref: vref, Rejected: rejected, Data: capdata(body, slots...)}
}

// deliverOK delivers d and fails the test on a delivery error; it returns
// the syscalls rendered by describe.
func deliverOK(t testing.TB, v *Vat, d *workerpb.Delivery) []string {
	t.Helper()
	res := v.Deliver(d)
	if res.Error != "" {
		t.Fatalf("delivery error: %s", res.Error)
	}
	return describeAll(res.Syscalls)
}

// call sends method(args) to the root with result p-1 and returns the
// syscalls.
func call(t testing.TB, v *Vat, methargsBody string, slots ...string) []string {
	t.Helper()
	return deliverOK(t, v, messageDelivery("o+0", capdata(methargsBody, slots...), "p-1"))
}

// describe renders a syscall as one line, e.g. `resolve p-1 ok #"hi" []`.
func describe(s *workerpb.Syscall) string {
	switch k := s.GetKind().(type) {
	case *workerpb.Syscall_Send:
		return fmt.Sprintf("send %s %s %v %s", k.Send.GetTarget(), k.Send.GetMethargs().GetBody(),
			k.Send.GetMethargs().GetSlots(), k.Send.GetResult())
	case *workerpb.Syscall_Subscribe:
		return "subscribe " + k.Subscribe
	case *workerpb.Syscall_Resolve:
		var parts []string
		for _, r := range k.Resolve.GetResolutions() {
			state := "ok"
			if r.GetRejected() {
				state = "rejected"
			}
			parts = append(parts, fmt.Sprintf("%s %s %s %v", r.GetVref(), state, r.GetData().GetBody(), r.GetData().GetSlots()))
		}
		return "resolve " + strings.Join(parts, "; ")
	case *workerpb.Syscall_VatstoreSet:
		return fmt.Sprintf("vatstoreSet %s %s", k.VatstoreSet.GetKey(), k.VatstoreSet.GetValue())
	case *workerpb.Syscall_VatstoreDelete:
		return "vatstoreDelete " + k.VatstoreDelete
	case *workerpb.Syscall_DropImports:
		return fmt.Sprintf("dropImports %v", k.DropImports.GetVrefs())
	case *workerpb.Syscall_RetireImports:
		return fmt.Sprintf("retireImports %v", k.RetireImports.GetVrefs())
	case *workerpb.Syscall_RetireExports:
		return fmt.Sprintf("retireExports %v", k.RetireExports.GetVrefs())
	default:
		return fmt.Sprintf("%T", k)
	}
}

func describeAll(ss []*workerpb.Syscall) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, describe(s))
	}
	return out
}

// withoutCounters drops the idCounters bookkeeping write, which most tests
// do not care about.
func withoutCounters(lines []string) []string {
	out := []string{}
	for _, l := range lines {
		if !strings.HasPrefix(l, "vatstoreSet idCounters ") {
			out = append(out, l)
		}
	}
	return out
}

func expectSyscalls(t testing.TB, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("syscalls:\n got  %q\n want %q", got, want)
	}
}

var pingDelivery = workerpb.Delivery{Id: 9, Kind: &workerpb.Delivery_Ping{Ping: &workerpb.Empty{}}}
