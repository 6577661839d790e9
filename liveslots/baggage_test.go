package liveslots

import (
	"strings"
	"testing"

	"github.com/ocapgo/ocap/proto/workerpb"
)

func TestBaggageFirstStartInitializes(t *testing.T) {
	_, res := startVatFile(t, "baggage.js", nil, nil)
	expectSyscalls(t, describeAll(res.Syscalls),
		`vatstoreSet vom.pindexed 1`, // the presence index is kept from the first write
		`vatstoreSet baggage.counter {"body":"#0","slots":[]}`)
}

func TestBaggageOperations(t *testing.T) {
	v, _ := startVatFile(t, "baggage.js", nil, nil)
	expectSyscalls(t, call(t, v, `#["increment",[]]`),
		`vatstoreSet baggage.counter {"body":"#1","slots":[]}`,
		`resolve p-1 ok #1 []`)
	expectSyscalls(t, call(t, v, `#["init",["rec",{"a":[1,"!#x"]}]]`),
		`vatstoreSet baggage.rec {"body":"#{\"a\":[1,\"!#x\"]}","slots":[]}`,
		`resolve p-1 ok #{"a":[1,"!#x"]} []`)
	expectSyscalls(t, call(t, v, `#["has",["rec"]]`), `resolve p-1 ok #true []`)
	expectSyscalls(t, call(t, v, `#["has",["nope"]]`), `resolve p-1 ok #false []`)
	expectSyscalls(t, call(t, v, `#["set",["rec","+5"]]`),
		`vatstoreSet baggage.rec {"body":"#\"+5\"","slots":[]}`,
		`resolve p-1 ok #"#undefined" []`)
	expectSyscalls(t, call(t, v, `#["get",["rec"]]`), `resolve p-1 ok #"+5" []`)
	expectSyscalls(t, call(t, v, `#["keys",[]]`), `resolve p-1 ok #["counter","rec"] []`)
	expectSyscalls(t, call(t, v, `#["delete",["rec"]]`),
		`vatstoreDelete baggage.rec`,
		`resolve p-1 ok #"#undefined" []`)
	expectSyscalls(t, call(t, v, `#["has",["rec"]]`), `resolve p-1 ok #false []`)
	// A presence is stored by its vref and comes back as the same object.
	expectSyscalls(t, call(t, v, `#["init",["friend","$0.Alleged: svc"]]`, "o-4"),
		`vatstoreSet vom.pi.baggage.friend o-4`,
		`vatstoreSet baggage.friend {"body":"#\"$0.Alleged: svc\"","slots":["o-4"]}`,
		`resolve p-1 ok #"$0.Alleged: svc" [o-4]`)
	expectSyscalls(t, call(t, v, `#["same",["friend","$0"]]`, "o-4"), `resolve p-1 ok #true []`)
}

func TestBaggageErrors(t *testing.T) {
	v, _ := startVatFile(t, "baggage.js", nil, nil)
	rejects := func(methargs, want string) {
		t.Helper()
		got := call(t, v, methargs)
		if len(got) != 1 || !strings.HasPrefix(got[0], `resolve p-1 rejected #{"#error":"`+want) {
			t.Fatalf("%s: got %q, want a rejection starting %q", methargs, got, want)
		}
	}
	rejects(`#["init",["counter",1]]`, `baggage.init: key \"counter\" already exists`)
	rejects(`#["get",["nope"]]`, `baggage.get: key \"nope\" not found`)
	rejects(`#["set",["nope",1]]`, `baggage.set: key \"nope\" not found`)
	rejects(`#["delete",["nope"]]`, `baggage.delete: key \"nope\" not found`)
	rejects(`#["storeBad",["fn"]]`, `baggage.init(\"bad\"): cannot store a function`)
	rejects(`#["storeBad",["unhardened"]]`, `baggage.init(\"bad\"): Cannot pass non-frozen objects like {\"a\":1}. Use harden()`)
	rejects(`#["storeBad",["shallow"]]`, `baggage.init(\"bad\"): Cannot pass non-frozen objects like {\"b\":1}`)
	rejects(`#["storeBad",["promise"]]`, `baggage.init(\"bad\"): cannot store a promise`)
	rejects(`#["storeBad",["local"]]`, `baggage.init(\"bad\"): cannot store the local object [Alleged: local]`)
	rejects(`#["storeBad",["error"]]`, `baggage.init(\"bad\"): cannot store a error`)
	// Nothing was written by the failed calls.
	expectSyscalls(t, call(t, v, `#["keys",[]]`), `resolve p-1 ok #["counter"] []`)
}

func TestBaggageSurvivesRestart(t *testing.T) {
	snapshot := []*workerpb.VatstoreEntry{
		{Key: "baggage.counter", Value: `{"body":"#41","slots":[]}`},
		{Key: "baggage.friend", Value: `{"body":"#\"$0.Alleged: svc\"","slots":["o-3"]}`},
		{Key: "idCounters", Value: `{"exportID":7,"promiseID":12}`},
		{Key: "vom.pi.baggage.friend", Value: "o-3"},
		{Key: "vom.pindexed", Value: "1"},
	}
	v, res := startVatFile(t, "baggage.js", nil, snapshot)
	expectSyscalls(t, describeAll(res.Syscalls)) // counter already there: no write
	expectSyscalls(t, call(t, v, `#["increment",[]]`),
		`vatstoreSet baggage.counter {"body":"#42","slots":[]}`,
		`resolve p-1 ok #42 []`)
	expectSyscalls(t, call(t, v, `#["get",["friend"]]`), `resolve p-1 ok #"$0.Alleged: svc" [o-3]`)
	// The restored presence is the one later messages deliver.
	expectSyscalls(t, call(t, v, `#["same",["friend","$0.Alleged: svc"]]`, "o-3"), `resolve p-1 ok #true []`)
	// Counters continue where the last incarnation stopped.
	expectSyscalls(t, call(t, v, `#["makeLocal",[]]`),
		`resolve p-1 ok #"$0.Alleged: fresh" [o+7]`,
		`vatstoreSet idCounters {"exportID":8,"promiseID":12}`)
}

// A vatstore kept before the presence index is read whole once, at start,
// and indexed; later starts read the index only.
func TestVatstoreWithoutIndexIsIndexedOnce(t *testing.T) {
	snapshot := []*workerpb.VatstoreEntry{
		{Key: "baggage.counter", Value: `{"body":"#41","slots":[]}`},
		{Key: "baggage.friend", Value: `{"body":"#\"$0.Alleged: svc\"","slots":["o-3"]}`},
		{Key: "baggage.pair", Value: `{"body":"#[\"$0.Alleged: svc\",\"$1.Alleged: other\"]","slots":["o-3","o-5"]}`},
	}
	v, res := startVatFile(t, "baggage.js", nil, snapshot)
	expectSyscalls(t, describeAll(res.Syscalls),
		`vatstoreSet vom.pi.baggage.friend o-3`,
		`vatstoreSet vom.pi.baggage.pair o-3,o-5`,
		`vatstoreSet vom.pindexed 1`)
	// Overwriting an entry keeps its index entry in step.
	expectSyscalls(t, call(t, v, `#["set",["pair",1]]`),
		`vatstoreDelete vom.pi.baggage.pair`,
		`vatstoreSet baggage.pair {"body":"#1","slots":[]}`,
		`resolve p-1 ok #"#undefined" []`)
}
