package liveslots

import (
	"testing"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// Syscalls made between deliveries (later: timer callbacks) are buffered,
// wantCrank is called once for the first, and Flush returns them in order.
func TestSyscallsOutsideDeliveryWaitForFlush(t *testing.T) {
	calls := 0
	v, err := New(testLogger(t), func() { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if res := v.Deliver(startDelivery(readBundle(t, "basic.js"), nil, nil)); res.Error != "" {
		t.Fatal(res.Error)
	}
	v.syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_Subscribe{Subscribe: "p-1"}})
	v.syscall(&workerpb.Syscall{Kind: &workerpb.Syscall_Subscribe{Subscribe: "p-2"}})
	if calls != 1 {
		t.Fatalf("wantCrank called %d times, want 1", calls)
	}
	got := deliverOK(t, v, &workerpb.Delivery{Kind: &workerpb.Delivery_Flush{Flush: &workerpb.Empty{}}})
	expectSyscalls(t, got, "subscribe p-1", "subscribe p-2")
	expectSyscalls(t, deliverOK(t, v, &workerpb.Delivery{Kind: &workerpb.Delivery_Flush{Flush: &workerpb.Empty{}}}))
	// A delivery's own syscalls never wait for a flush.
	expectSyscalls(t, call(t, v, `#["hello",["x"]]`), `resolve p-1 ok #"hello x" []`)
	if calls != 1 {
		t.Fatalf("wantCrank called %d times, want 1", calls)
	}
}
