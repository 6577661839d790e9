package liveslots

import (
	"testing"
	"time"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// JavaScript leaves promises resolved to each other pending forever. A vat
// that decides such a promise for the kernel rejects it instead, in the
// kernel's words, so that nobody outside waits forever.

func cycleRejection(vref, msg string) string {
	return `resolve ` + vref + ` rejected #{"#error":"` + msg + `","name":"Error"} []`
}

func inCycle(vref, next string) string {
	return cycleRejection(vref, "promise "+vref+" was resolved to "+next+", which resolves back to it: a cycle of promises never settles")
}

func intoCycle(vref, next string) string {
	return cycleRejection(vref, "promise "+vref+" was resolved to "+next+", which is caught in a cycle of promises that never settles")
}

func TestPromiseCycleAsResultRejects(t *testing.T) {
	cases := []struct{ method, want string }{
		{"pairResult", inCycle("p-1", "another promise")},
		{"withResolversResult", inCycle("p-1", "another promise")},
		{"executorResult", inCycle("p-1", "another promise")},
		{"ringResult", inCycle("p-1", "another promise")},
		{"intoRing", intoCycle("p-1", "another promise")},
		// JavaScript rejects this one itself.
		{"selfResult", `resolve p-1 rejected #{"#error":"Promise self-resolution","name":"TypeError"} []`},
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			v, _ := startVatFile(t, "promisecycle.js", nil, nil)
			expectSyscalls(t, withoutCounters(call(t, v, `#["`+c.method+`",[]]`)), c.want)
			// The vat goes on answering.
			got := deliverOK(t, v, messageDelivery("o+0", capdata(`#["hello",[]]`), "p-2"))
			expectSyscalls(t, got, `resolve p-2 ok #"hi" []`)
		})
	}
}

func TestPromiseCycleSentRejects(t *testing.T) {
	v, _ := startVatFile(t, "promisecycle.js", nil, nil)
	got := withoutCounters(call(t, v, `#["sendPair",["$0.Alleged: peer"]]`, "o-1"))
	expectSyscalls(t, got,
		`send o-1 #["take",["&0","&1"]] [p+1 p+2] p+3`,
		`subscribe p+3`,
		inCycle("p+1", "p+2"),
		inCycle("p+2", "p+1"))

	got = withoutCounters(deliverOK(t, v, messageDelivery("o+0", capdata(`#["sendRing",["$0.Alleged: peer"]]`, "o-1"), "p-2")))
	expectSyscalls(t, got,
		`send o-1 #["take",["&0","&1","&2"]] [p+4 p+5 p+6] p+7`,
		`subscribe p+7`,
		inCycle("p+4", "p+5"),
		inCycle("p+5", "p+6"),
		inCycle("p+6", "p+4"))
}

func TestLocalPromiseCycleStaysPending(t *testing.T) {
	v, _ := startVatFile(t, "promisecycle.js", nil, nil)
	expectSyscalls(t, call(t, v, `#["keepLocal",[]]`), `resolve p-1 ok #"kept" []`)
	expectSyscalls(t, call(t, v, `#["localStillPending",[]]`), `resolve p-1 ok #true []`)
	// Sent in a later delivery, the kernel hears it never settles; the
	// vat's own promises stay as JavaScript has them.
	got := withoutCounters(call(t, v, `#["sendKept",["$0.Alleged: peer"]]`, "o-1"))
	expectSyscalls(t, got,
		`send o-1 #["take",["&0"]] [p+1] `,
		`resolve p-1 ok #"#undefined" []`,
		inCycle("p+1", "another promise"))
	expectSyscalls(t, call(t, v, `#["localStillPending",[]]`), `resolve p-1 ok #true []`)
}

func TestPromiseCycleClosedByNotify(t *testing.T) {
	v, _ := startVatFile(t, "promisecycle.js", nil, nil)
	got := withoutCounters(call(t, v, `#["waitFor",["&0"]]`, "p-5"))
	expectSyscalls(t, got, `subscribe p-5`)
	// The kernel resolves p-5 to the vat's own p-1, which waits on p-5.
	got = withoutCounters(deliverOK(t, v, notifyDelivery(resolution("p-5", false, `#"&0"`, "p-1"))))
	expectSyscalls(t, got, inCycle("p-1", "another promise"))
}

func TestPromiseCycleAfterPipelinedMessage(t *testing.T) {
	v, _ := startVatFile(t, "promisecycle.js", nil, nil)
	got := withoutCounters(call(t, v, `#["exportKit",[]]`))
	expectSyscalls(t, got, `resolve p-1 ok #{"p":"&0"} [p+1]`)
	// A message pipelined onto p+1 waits for it...
	expectSyscalls(t, deliverOK(t, v, messageDelivery("p+1", capdata(`#["hello",[]]`), "p-2")))
	// ...and fails with it once p+1 is resolved into a cycle.
	got = withoutCounters(deliverOK(t, v, messageDelivery("o+0", capdata(`#["closeKit",[]]`), "p-3")))
	expectSyscalls(t, got,
		`resolve p-3 ok #"#undefined" []`,
		inCycle("p+1", "another promise"),
		intoCycle("p-2", "p+1"))
}

func TestPromiseCycleInTimerCallback(t *testing.T) {
	wants := make(chan struct{}, 10)
	v, err := New(testLogger(t), func() { wants <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	res := startWith(t, v, "promisecycle.js", func(s *workerpb.StartVat) { s.Globals = []string{"setTimeout"} })
	if res.Error != "" {
		t.Fatal(res.Error)
	}
	expectSyscalls(t, withoutCounters(call(t, v, `#["cycleLater",[1]]`)))
	select {
	case <-v.Ready():
	case <-time.After(30 * time.Second):
		t.Fatal("the timer did not fire")
	}
	v.RunPending()
	// The rejection is made at once, and asks the kernel for a crank.
	select {
	case <-wants:
	default:
		t.Fatal("no wantCrank after the callback made the cycle")
	}
	flushed := withoutCounters(deliverOK(t, v, &workerpb.Delivery{Kind: &workerpb.Delivery_Flush{Flush: &workerpb.Empty{}}}))
	expectSyscalls(t, flushed, inCycle("p-1", "another promise"))
}
