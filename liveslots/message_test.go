package liveslots

import (
	"strings"
	"testing"
)

func TestStartVatRootAndParameters(t *testing.T) {
	v, res := startVatFile(t, "basic.js", capdata(`#{"city":"Paris","n":1}`), nil)
	expectSyscalls(t, describeAll(res.Syscalls))
	// The root answers as o+0 and buildRootObject got the parameters.
	got := call(t, v, `#["params",[]]`)
	expectSyscalls(t, got, `resolve p-1 ok #{"city":"Paris","n":1} []`)
	got = call(t, v, `#["self",[]]`)
	expectSyscalls(t, got, `resolve p-1 ok #"$0.Alleged: root" [o+0]`)
}

func TestMessageResolvesResult(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	got := call(t, v, `#["hello",["world"]]`)
	expectSyscalls(t, got, `resolve p-1 ok #"hello world" []`)
	// A string that needs escaping comes back escaped.
	got = call(t, v, `#["echo",["!#x"]]`)
	expectSyscalls(t, got, `resolve p-1 ok #"!#x" []`)
}

func TestSendOnlyMessageMakesNoResolve(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	got := deliverOK(t, v, messageDelivery("o+0", capdata(`#["hello",["x"]]`), ""))
	expectSyscalls(t, got)
}

func TestExceptionsBecomeRejections(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	cases := []struct{ method, want string }{
		{"throwSync", `resolve p-1 rejected #{"#error":"sync boom","name":"RangeError"} []`},
		{"throwAsync", `resolve p-1 rejected #{"#error":"async boom","name":"Error"} []`},
		{"typeErrorInside", `resolve p-1 rejected #{"#error":"Cannot read properties of undefined (reading 'field')","name":"TypeError"} []`},
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			got := call(t, v, `#["`+c.method+`",[]]`)
			if c.method == "typeErrorInside" {
				// The engine's own wording; only the name is ours to pin.
				if len(got) != 1 || !strings.Contains(got[0], `rejected #{"#error":`) || !strings.Contains(got[0], `"name":"TypeError"`) {
					t.Fatalf("got %q", got)
				}
				return
			}
			expectSyscalls(t, got, c.want)
		})
	}
}

func TestMissingMethod(t *testing.T) {
	v, _ := startVatFile(t, "small.js", nil, nil)
	expectSyscalls(t, call(t, v, `#["nope",[]]`),
		`resolve p-1 rejected #{"#error":"target has no method \"nope\", has [\"__getInterfaceGuard__\",\"alpha\",\"zeta\"]","name":"TypeError"} []`)
}

func TestUnknownTargetRejects(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	got := deliverOK(t, v, messageDelivery("o+99", capdata(`#["hello",[]]`), "p-5"))
	expectSyscalls(t, got, `resolve p-5 rejected #{"#error":"no object o+99","name":"Error"} []`)
}

func TestNonPassableResultRejects(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	got := call(t, v, `#["nonPassable",[]]`)
	if len(got) != 1 || !strings.HasPrefix(got[0], `resolve p-1 rejected #{"#error":"In \"nonPassable\" method of (root): result: Cannot pass functions like`) {
		t.Fatalf("got %q", got)
	}
}

func TestPing(t *testing.T) {
	v := newVat(t)
	res := v.Deliver(&pingDelivery)
	if res.Pong != "pong" || res.Error != "" {
		t.Fatalf("got %+v", res)
	}
}
