package liveslots

import "testing"

func TestESendsToPresence(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	got := withoutCounters(call(t, v, `#["call",["$0.Alleged: bob","foo",1]]`, "o-1"))
	expectSyscalls(t, got,
		`send o-1 #["foo",[1]] [] p+1`,
		`subscribe p+1`)
	// The kernel resolves p+1: the vat's own result p-1 follows in the same
	// notify.
	got = withoutCounters(deliverOK(t, v, notifyDelivery(resolution("p+1", false, `#42`))))
	expectSyscalls(t, got, `resolve p-1 ok #42 []`)
}

func TestTwoSendsKeepOrder(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	got := withoutCounters(call(t, v, `#["callTwice",["$0.Alleged: bob"]]`, "o-1"))
	expectSyscalls(t, got,
		`send o-1 #["first",[]] [] p+1`,
		`subscribe p+1`,
		`send o-1 #["second",[]] [] p+2`,
		`subscribe p+2`)
	got = withoutCounters(deliverOK(t, v, notifyDelivery(
		resolution("p+2", false, `#"b"`),
		resolution("p+1", false, `#"a"`))))
	expectSyscalls(t, got, `resolve p-1 ok #["a","b"] []`)
}

func TestPipelining(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	got := withoutCounters(call(t, v, `#["pipeline",["$0.Alleged: bob"]]`, "o-1"))
	expectSyscalls(t, got,
		`send o-1 #["makeCounter",[]] [] p+1`,
		`subscribe p+1`,
		`send p+1 #["increment",[]] [] p+2`,
		`subscribe p+2`)
}

func TestNotifyContinuationAndShortening(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	call(t, v, `#["pipelineKept",["$0.Alleged: bob"]]`, "o-1")
	// increment's result arrives: the continuation resolves p-1 inside this
	// notify.
	got := withoutCounters(deliverOK(t, v, notifyDelivery(resolution("p+2", false, `#1`))))
	expectSyscalls(t, got, `resolve p-1 ok #1 []`)
	// makeCounter's result arrives as a presence; a later E() on the kept
	// promise goes straight to that presence.
	got = withoutCounters(deliverOK(t, v, notifyDelivery(resolution("p+1", false, `#"$0.Alleged: counter"`, "o-2"))))
	expectSyscalls(t, got)
	got = withoutCounters(deliverOK(t, v, messageDelivery("o+0", capdata(`#["sendToKept",[]]`), "p-2")))
	expectSyscalls(t, got,
		`send o-2 #["increment",[]] [] p+3`,
		`subscribe p+3`)
}

func TestResultForwardedToAnotherPromise(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	call(t, v, `#["pipelineKept",["$0.Alleged: bob"]]`, "o-1")
	// p+1 resolves to another promise p-9: the vat subscribes to it and the
	// next send to the kept promise pipelines on p-9.
	got := withoutCounters(deliverOK(t, v, notifyDelivery(resolution("p+1", false, `#"&0"`, "p-9"))))
	expectSyscalls(t, got, `subscribe p-9`)
	got = withoutCounters(deliverOK(t, v, messageDelivery("o+0", capdata(`#["sendToKept",[]]`), "p-2")))
	expectSyscalls(t, got,
		`send p-9 #["increment",[]] [] p+3`,
		`subscribe p+3`)
}

func TestRejectedNotify(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	call(t, v, `#["awaitRemote",["$0.Alleged: bob"]]`, "o-1")
	got := withoutCounters(deliverOK(t, v, notifyDelivery(
		resolution("p+1", true, `#{"#error":"remote boom","name":"TypeError"}`))))
	expectSyscalls(t, got, `resolve p-1 rejected #{"#error":"remote boom","name":"TypeError"} []`)
}

func TestNotifyUnknownVrefIgnored(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	got := deliverOK(t, v, notifyDelivery(resolution("p+77", false, `#1`)))
	expectSyscalls(t, got)
}

func TestSendOnly(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	got := call(t, v, `#["sendOnly",["$0.Alleged: bob"]]`, "o-1")
	expectSyscalls(t, got,
		`send o-1 #["fire",["and forget"]] [] `,
		`resolve p-1 ok #"sent" []`)
}

func TestImportedPromiseIsSubscribedAndPipelined(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	got := withoutCounters(call(t, v, `#["sendToPromise",["&0"]]`, "p-7"))
	expectSyscalls(t, got,
		`subscribe p-7`,
		`send p-7 #["hi",[]] [] p+1`,
		`subscribe p+1`)
	// The same promise again: no second subscribe.
	got = withoutCounters(deliverOK(t, v, messageDelivery("o+0", capdata(`#["sendToPromise",["&0"]]`, "p-7"), "p-2")))
	expectSyscalls(t, got,
		`send p-7 #["hi",[]] [] p+2`,
		`subscribe p+2`)
}

func TestLocalE(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	expectSyscalls(t, call(t, v, `#["localE",[]]`), `resolve p-1 ok #"thing" []`)
	expectSyscalls(t, call(t, v, `#["localMissing",[]]`),
		`resolve p-1 rejected #{"#error":"target has no method \"nope\", has [\"__getInterfaceGuard__\",\"name\"]","name":"TypeError"} []`)
}

func TestIdentity(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	// The same o-N twice in one message, and again in a later one, is the
	// same presence.
	expectSyscalls(t, call(t, v, `#["same",["$0.Alleged: bob","$1.Alleged: bob"]]`, "o-1", "o-1"),
		`resolve p-1 ok #true []`)
	expectSyscalls(t, call(t, v, `#["same",["$0.Alleged: bob","$1.Alleged: carol"]]`, "o-1", "o-2"),
		`resolve p-1 ok #false []`)
	// The root comes back as itself.
	expectSyscalls(t, call(t, v, `#["isSelf",["$0.Alleged: root"]]`, "o+0"), `resolve p-1 ok #true []`)
	// A local exo exports as the same o+N every time and comes back as
	// itself.
	got := withoutCounters(call(t, v, `#["thing",[]]`))
	expectSyscalls(t, got, `resolve p-1 ok #"$0.Alleged: thing" [o+1]`)
	expectSyscalls(t, call(t, v, `#["thing",[]]`), `resolve p-1 ok #"$0.Alleged: thing" [o+1]`)
	expectSyscalls(t, call(t, v, `#["isThing",["$0"]]`, "o+1"), `resolve p-1 ok #true []`)
	// A presence echoed back goes out as its own vref.
	expectSyscalls(t, call(t, v, `#["echo",["$0.Alleged: bob"]]`, "o-1"),
		`resolve p-1 ok #"$0.Alleged: bob" [o-1]`)
}

func TestExportedLocalPromise(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	got := withoutCounters(call(t, v, `#["makeDeferred",[]]`))
	expectSyscalls(t, got, `resolve p-1 ok #{"p":"&0"} [p+1]`)
	// The method's own result is resolved as soon as it returns; the
	// exported promise settles on the next turn.
	got = withoutCounters(deliverOK(t, v, messageDelivery("o+0", capdata(`#["settleDeferred",[5]]`), "p-2")))
	expectSyscalls(t, got,
		`resolve p-2 ok #"settled" []`,
		`resolve p+1 ok #5 []`)
}

func TestCountersPersisted(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	got := call(t, v, `#["call",["$0.Alleged: bob","foo"]]`, "o-1")
	expectSyscalls(t, got,
		`send o-1 #["foo",[]] [] p+1`,
		`subscribe p+1`,
		`vatstoreSet idCounters {"exportID":1,"promiseID":2}`)
	// Nothing allocated: nothing written.
	expectSyscalls(t, call(t, v, `#["hello",["x"]]`), `resolve p-1 ok #"hello x" []`)
}

// TestPipelinedOntoDecidedResult: a message to the result of an earlier
// message this vat has not answered yet waits for that answer.
func TestPipelinedOntoDecidedResult(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	expectSyscalls(t, deliverOK(t, v, messageDelivery("o+0", capdata(`#["waitDeferred",[]]`), "p-5")))
	expectSyscalls(t, deliverOK(t, v, messageDelivery("p-5", capdata(`#["hello",["x"]]`), "p-6")))
	got := deliverOK(t, v, messageDelivery("o+0", capdata(`#["settleDeferred",["$0.Alleged: root"]]`, "o+0"), "p-7"))
	expectSyscalls(t, got,
		`resolve p-7 ok #"settled" []`,
		`resolve p-5 ok #"$0.Alleged: root" [o+0]`,
		`resolve p-6 ok #"hello x" []`)
}
