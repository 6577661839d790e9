package ocap_test

// End-to-end tests of vat code written for the JavaScript kernel: the corpus
// in testdata/vats/vc-* (clusters testdata/clusters/vc-*.json) and the kernel
// guide's examples, copied as they are into testdata/guide, run in real
// workers on both stores.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/bundle"
	"github.com/ocapgo/ocap/marshal"
)

// vcBody sends method(args) to kref and answers the result's smallcaps
// body, or "rejected <name>: <message>".
func vcBody(t *testing.T, e *kernelEnv, kref, method string, args ...any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	out, err := e.k.QueueMessage(ctx, kref, method, args)
	if err != nil {
		var re *ocap.RemoteError
		if errors.As(err, &re) {
			return "rejected " + re.Error()
		}
		t.Fatalf("%s: %v\nlogs:\n%s", method, err, e.logs.String())
	}
	return out.Body
}

// vcRecord calls method and decodes a record result.
func vcRecord(t *testing.T, e *kernelEnv, kref, method string, args ...any) map[string]any {
	t.Helper()
	got, ok := e.mustCall(kref, method, args...).(map[string]any)
	if !ok {
		t.Fatalf("%s did not answer a record", method)
	}
	return got
}

// smallcaps is the body marshal writes for v.
func smallcaps(t *testing.T, v any) string {
	t.Helper()
	cd, err := marshal.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return cd.Body
}

// expectFields compares each named field of got, encoded as smallcaps
// without the leading "#", with its expected text.
func expectFields(t *testing.T, what string, got map[string]any, want map[string]string) {
	t.Helper()
	for k, w := range want {
		v, ok := got[k]
		if !ok {
			t.Errorf("%s: no field %q in %v", what, k, got)
			continue
		}
		if g := strings.TrimPrefix(smallcaps(t, v), "#"); g != w {
			t.Errorf("%s.%s:\n got  %s\n want %s", what, k, g, w)
		}
	}
}

// vatLogLine is one line a vat logged (console or vatPowers.logger).
type vatLogLine struct {
	Level   string `json:"@level"`
	Message string `json:"@message"`
	Vat     string `json:"vat"`
	VatName string `json:"vatName"`
	Tags    string `json:"tags"`
}

// vatLogs returns the vat log lines written since mark.
func vatLogs(e *kernelEnv, mark int) []vatLogLine {
	var out []vatLogLine
	for _, line := range strings.Split(e.logs.String()[mark:], "\n") {
		var l vatLogLine
		if json.Unmarshal([]byte(line), &l) == nil && l.Vat != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestVatCodeCorpus(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		res := e.launch("vc-corpus.json")
		if got := mustDecode(t, res.BootstrapResult); got != "alice is ready" {
			t.Fatalf("bootstrap answered %v", got)
		}
		alice := res.RootKref

		t.Run("module surface", func(t *testing.T) {
			got := vcBody(t, e, alice, "call", "mod", "modules")
			want := `#{"assert":true,"endoExo":true,"eventualSend":true,"exo":true,"far":true,"kernelUtils":true,"marshal":true,"patterns":true,"promiseKit":true,"store":true}`
			if got != want {
				t.Fatalf("modules:\n got  %s\n want %s", got, want)
			}
			// A relative .ts import (with an enum, a class with parameter
			// properties, interfaces and type-only names) and a JSON import.
			if got := vcBody(t, e, alice, "call", "mod", "helpers"); got != `#[42,42,["a","b"],"green","vc","a greets nobody"]` {
				t.Fatalf("helpers: %s", got)
			}
		})

		t.Run("passables from the host and back", func(t *testing.T) {
			big1, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
			values := map[string]any{
				"undefined":       marshal.Undefined{},
				"null":            nil,
				"bool":            false,
				"number":          -1.25,
				"nan":             math.NaN(),
				"infinity":        math.Inf(1),
				"minusInfinity":   math.Inf(-1),
				"bigint":          big1,
				"zeroBigint":      big.NewInt(0),
				"string":          "plain",
				"specials":        []any{"#hash", "$dollar", "!bang", "%percent", "&amp", "+plus", "-minus"},
				"specialKeys":     map[string]any{"#k": 1, "$k": 2, "!k": 3, "%k": 4, "&k": 5, "+k": 6, "-k": 7},
				"registered":      marshal.Symbol{Name: "vc.host"},
				"wellKnown":       marshal.Symbol{Name: "@@iterator"},
				"undefinedInside": []any{marshal.Undefined{}, map[string]any{"u": marshal.Undefined{}}},
				"nested":          map[string]any{"list": []any{1, []any{2, map[string]any{"deep": "yes"}}}},
				"tagged":          marshal.Tagged{Tag: "vc-host-tag", Payload: []any{"x", 1}},
				"error":           &marshal.Error{Name: "RangeError", Message: "host error"},
			}
			for name, v := range values {
				got := vcRecord(t, e, alice, "roundTrip", v)
				if got["same"] != true {
					t.Errorf("%s: bob sent back something else: %v", name, got)
				}
				if back, want := smallcaps(t, got["back"]), smallcaps(t, v); back != want {
					t.Errorf("%s: came back as %s, want %s", name, back, want)
				}
				if seen := got["seen"].(map[string]any); seen["frozen"] != true {
					t.Errorf("%s: bob received it unfrozen: %v", name, seen)
				}
			}
			// -0 is sent as 0.
			if got := vcRecord(t, e, alice, "roundTrip", math.Copysign(0, -1)); smallcaps(t, got["back"]) != "#0" {
				t.Errorf("-0 came back as %s", smallcaps(t, got["back"]))
			}
		})

		t.Run("passables between vats", func(t *testing.T) {
			// What a vat makes arrives at the host in smallcaps as
			// @endo/marshal writes it.
			want := `#{"asyncIterator":"%@@asyncIterator","bigint":"+12345678901234567890","error":{"#error":"sent as a value","name":"RangeError"},"infinity":"#Infinity","minusInfinity":"#-Infinity","minusZero":0,"nan":"#NaN","negative":-7,"negativeBigint":"-5","nested":{"list":[1,[2,[3,{"deep":"yes"}]]]},"null":null,"number":1.5,"registered":"%vc.registered","specialKeys":{"!!k":3,"!#k":1,"!$k":2,"!%k":4,"!&k":5,"!+k":6,"!-k":7},"specials":["!#hash","!$dollar","!!bang","!%percent","!&amp","!+plus","!-minus",""],"string":"plain","tagged":{"#tag":"vc-tag","payload":{"payload":[1,"two"]}},"true":true,"undefined":"#undefined","undefinedInside":["#undefined",{"u":"#undefined"}],"wellKnown":"%@@iterator"}`
			if got := vcBody(t, e, alice, "jsValues"); got != want {
				t.Errorf("jsValues:\n got  %s\n want %s", got, want)
			}
			// Each of them, sent to bob and back, is the same; bob got them
			// hardened, and so did alice.
			for k, v := range vcRecord(t, e, alice, "jsRoundTrip") {
				if v != true {
					t.Errorf("jsRoundTrip %s: %v", k, v)
				}
			}
		})

		t.Run("remotables keep their identity", func(t *testing.T) {
			got := vcBody(t, e, alice, "identity")
			want := `#{"bobKeepsIdentity":true,"carolGetsTheSamePresence":true,"ownComesBack":true,"ownInARecord":true,"presenceCall":"hi from bob's thing","presenceIface":"[object Alleged: thing]","presenceSameEachTime":true,"presenceStyle":"remotable","sameInOneMessage":true}`
			if got != want {
				t.Fatalf("identity:\n got  %s\n want %s", got, want)
			}
		})

		t.Run("promises resolved later", func(t *testing.T) {
			got := vcBody(t, e, alice, "promises")
			want := `#{"awaitArg":["got","resolved by alice later","promise"],"direct":{"n":1},"fromRecord":{"n":1},"presenceBack":true,"settled":2,"style":"promise"}`
			if got != want {
				t.Fatalf("promises:\n got  %s\n want %s", got, want)
			}
		})

		t.Run("E semantics", func(t *testing.T) {
			got := vcBody(t, e, alice, "eSemantics")
			// E on a local exo runs on a later turn: after the code that
			// called E. sendOnly answers no promise, and its message arrives.
			want := `#{"far":42,"get":5,"local":"local 1","order":["after E","method 1","method 2"],"pokes":1,"sendOnlyAnswer":"undefined","viaPromiseLocal":"local 2","viaPromisePresence":"hi from bob's thing","when":6}`
			if got != want {
				t.Fatalf("eSemantics:\n got  %s\n want %s", got, want)
			}
		})

		t.Run("errors", func(t *testing.T) {
			got := vcRecord(t, e, alice, "errors")
			expectFields(t, "errors", got, map[string]string{
				"range":   `{"frozen":true,"isError":true,"message":"bad range","name":"RangeError"}`,
				"custom":  `{"frozen":true,"isError":true,"message":"my own error","name":"MyError"}`,
				"engine":  `{"frozen":true,"isError":true,"message":"Cannot read properties of undefined (reading 'field')","name":"TypeError"}`,
				"string":  `{"frozen":true,"isError":false,"message":"a plain string","name":"#undefined"}`,
				"later":   `"TypeError: rejected later"`,
				"asValue": `{"message":"an error as a value","name":"TypeError","style":"error"}`,
			})
			// At the host an error is its name and message, nothing else: no
			// stack, no file of the host.
			_, err := e.call(alice, "call", "bob", "throwIt", "range")
			var re *ocap.RemoteError
			if !errors.As(err, &re) || re.Name != "RangeError" || re.Message != "bad range" {
				t.Fatalf("throwIt range at the host: %#v", err)
			}
			wd, _ := os.Getwd()
			if strings.Contains(re.Data.Body, wd) || strings.Contains(re.Data.Body, "stack") {
				t.Fatalf("the error carries more than its name and message: %s", re.Data.Body)
			}
			if want := `#{"#error":"bad range","name":"RangeError"}`; re.Data.Body != want {
				t.Fatalf("error body %s, want %s", re.Data.Body, want)
			}
		})

		t.Run("exos", func(t *testing.T) {
			got := vcRecord(t, e, alice, "call", "mod", "exoShape")
			expectFields(t, "exoShape", got, map[string]string{
				"iface":         `"[object Alleged: counter]"`,
				"style":         `"remotable"`,
				"frozen":        `true`,
				"keys":          `[]`,
				"addProperty":   `"threw TypeError: Cannot add property extra, object is not extensible"`,
				"thisIsContext": `true`,
			})
			if ref, ok := got["counter"].(marshal.Ref); !ok || ref.Iface != "Alleged: counter" {
				t.Errorf("the exo reached the host as %#v", got["counter"])
			}
			// An unknown method rejects as endo's does.
			nope := vcBody(t, e, alice, "call", "bob", "nope")
			if !strings.HasPrefix(nope, `rejected TypeError: target has no method "nope", has ["__getInterfaceGuard__","awaitArg","badResult",`) {
				t.Errorf("unknown method: %s", nope)
			}
			// Values that cannot pass, as results or arguments, reject with
			// the method named.
			expectFields(t, "nonPassable", vcRecord(t, e, alice, "nonPassable"), map[string]string{
				"function":            `"TypeError: In \"badResult\" method of (root): result: Cannot pass functions like [Function (anonymous)]; make a remotable with makeDefaultExo() or Far()"`,
				"instance":            `"TypeError: In \"badResult\" method of (root): result: Cannot pass non-remotable objects with a prototype (class instances, ...) like Point {\"x\":1}; make a remotable with makeDefaultExo() or Far()"`,
				"getter":              `"TypeError: In \"badResult\" method of (root): result: Records must not have accessors: property \"secret\" of {\"secret\":[Getter]}"`,
				"unhardened-function": `"TypeError: In \"badResult\" method of (root): result: Cannot pass functions like [Function fn]; make a remotable with makeDefaultExo() or Far()"`,
				"unhardened-data":     `{"list":[1,2],"ok":1}`,
				"later":               `"TypeError: badResultLater returned a non-passable value: Cannot pass functions like [Function (anonymous)]; make a remotable with makeDefaultExo() or Far()"`,
				"localArgument":       `"TypeError: In \"takes\" method of (local): Cannot pass functions like [Function (anonymous)]; make a remotable with makeDefaultExo() or Far()"`,
				"remoteArgument":      `"TypeError: E(...).echo(...): Cannot pass functions like [Function (anonymous)]; make a remotable with makeDefaultExo() or Far()"`,
			})
		})

		t.Run("interface guards", func(t *testing.T) {
			got := vcRecord(t, e, alice, "call", "mod", "guardChecks")
			expectFields(t, "guardChecks", got, map[string]string{
				"makeExo":           `[8,"threw Error: In \"incr\" method of (upCounter): arg 0?: -3 - Must be >= 0","threw Error: In \"incr\" method of (upCounter): arg 0?: string \"foo\" - Must be a number"]`,
				"extraArgs":         `"threw Error: \"In \\\"incr\\\" method of (upCounter)\" accepts at most 1 arguments, not 2: [1,2]"`,
				"defineExoClass":    `[11,16,"threw Error: In \"incr\" method of (Counter): arg 0?: -1 - Must be >= 0","[object Alleged: Counter]"]`,
				"defineExoClassKit": `[7,6,"threw Error: In \"incr\" method of (Gauge up): arg 0?: -1 - Must be >= 0","[object Alleged: Gauge down]"]`,
				"thirdArgument":     `["hello bob","threw Error: In \"greet\" method of (WithGuard): arg 0: number 5 - Must be a string"]`,
				"unguarded":         `"threw Error: methods [\"extra\"] not guarded by \"Strict\""`,
				"unimplemented":     `"threw Error: methods [\"gone\"] not implemented by \"Missing\""`,
				"unfinished":        `"threw Error: M.interface(\"Unfinished\"): the guard of method \"m\" is unfinished: end it with .returns(...)"`,
				"guardOf":           `"tagged"`,
				"callWhen":          `["later x","rejected Error: In \"later\" method of (Shapes): arg 0: number 5 - Must be a string","rejected Error: In \"laterBad\" method of (Shapes): result: string \"not a number\" - Must be a number",true]`,
				"patterns":          `[true,false,true,true,true,false,true,true,true,false,"threw Error: input: a: [1]: string \"x\" - Must be a number","threw Error: \"x\" - Must fail negated pattern: M.string()","threw Error: 7 - Must match one of [M.string(),M.boolean()]"]`,
			})
			var shapes []string
			for _, s := range got["shapes"].([]any) {
				shapes = append(shapes, strings.TrimPrefix(smallcaps(t, s), "#"))
			}
			wantShapes := []string{
				`"ABC"`,
				`"threw Error: In \"str\" method of (Shapes): arg 0: number 1 - Must be a string"`,
				`"threw Error: In \"num\" method of (Shapes): arg 0: string \"1\" - Must be a number"`,
				`"+42"`,
				`"threw Error: In \"big\" method of (Shapes): arg 0: number 1 - Must be a bigint"`,
				`"threw Error: In \"bool\" method of (Shapes): arg 0: string \"yes\" - Must be a boolean"`,
				`"threw TypeError: In \"any\" method of (Shapes): Cannot pass functions like [Function (anonymous)]; make a remotable with makeDefaultExo() or Far()"`,
				`"threw Error: In \"rec\" method of (Shapes): arg 0: copyArray [] - Must be a copyRecord"`,
				`"threw Error: In \"arr\" method of (Shapes): arg 0: copyRecord {} - Must be a copyArray"`,
				`2`,
				`"threw Error: In \"strings\" method of (Shapes): arg 0: [1]: number 2 - Must be a string"`,
				`"hi"`,
				`"threw Error: In \"remote\" method of (Shapes): arg 0: \"thing\" - Must be a remotable Thing, not string"`,
				`"ann:?"`,
				`"ann:3"`,
				`"ann:?"`,
				`"threw Error: In \"shaped\" method of (Shapes): arg 0: {} - Must have missing properties [\"name\"]"`,
				`"bo:?"`,
				`"threw Error: In \"exact\" method of (Shapes): arg 0: {\"name\":\"bo\"} - Must have missing properties [\"age\"]"`,
				`"s"`,
				`"s1"`,
				`"threw Error: In \"opt\" method of (Shapes): arg 1?: string \"x\" - Must be a number"`,
				`"threw Error: In \"opt\" method of (Shapes): Expected at least 1 arguments: []"`,
				`6`,
				`"threw Error: In \"rest\" method of (Shapes): ...rest: [1]: string \"x\" - Must be a number"`,
				`"threw Error: In \"lies\" method of (Shapes): result: number 42 - Must be a string"`,
			}
			if strings.Join(shapes, "\n") != strings.Join(wantShapes, "\n") {
				t.Errorf("shapes:\n got  %s\n want %s", strings.Join(shapes, "\n      "), strings.Join(wantShapes, "\n      "))
			}

			// mod's root has an interface guard (makeDefaultExo's third
			// argument): calls from the host and from other vats meet it.
			for _, c := range []struct {
				method string
				args   []any
				want   string
			}{
				{"add", []any{1, 2}, `#3`},
				{"add", []any{1, "x"}, `rejected Error: In "add" method of (root): arg 1: string "x" - Must be a number`},
				{"add", []any{1}, `rejected Error: In "add" method of (root): Expected at least 2 arguments: [1]`},
				{"greet", []any{"bob"}, `#"hello bob"`},
				{"greet", []any{"bob", "hi"}, `#"hi bob"`},
				{"greet", []any{5}, `rejected Error: In "greet" method of (root): arg 0: number 5 - Must be a string`},
				{"whenReady", []any{"now"}, `#"ready: now"`},
				{"badResult", nil, `rejected Error: In "badResult" method of (root): result: number 7 - Must be a string`},
				// Methods the guard does not name get the passable default.
				{"tagged", nil, `#{"#tag":"vc-tag","payload":[1,2]}`},
			} {
				if got := vcBody(t, e, alice, "call", append([]any{"mod", c.method}, c.args...)...); got != c.want {
					t.Errorf("mod.%s%v:\n got  %s\n want %s", c.method, c.args, got, c.want)
				}
			}
			if got := vcBody(t, e, alice, "guardedAcrossVats"); got != `#["ready: later","Error: In \"whenReady\" method of (root): arg 0: number 5 - Must be a string"]` {
				t.Errorf("guardedAcrossVats: %s", got)
			}
		})

		t.Run("stores", func(t *testing.T) {
			got := vcRecord(t, e, alice, "call", "mod", "storeChecks")
			expectFields(t, "storeChecks", got, map[string]string{
				"map":         `[[3,"a","b"],["three",{"one":1},20],[[3,"three"],["a",{"one":1}],["b",20]],3,true,20,"[object Alleged: scalar MapStore of \"thing\"]"]`,
				"mapErrors":   `["threw Error: \"thing\" already registered: \"a\"","threw Error: \"thing\" not found: \"zz\"","threw Error: \"thing\" not found: \"zz\"","threw Error: \"thing\" not found: \"zz\"","threw Error: A \"copyRecord\" cannot be a scalar key: {\"x\":1}","threw TypeError: Cannot pass functions like [Function (anonymous)]; make a remotable with makeDefaultExo() or Far()","threw Error: mapStore key: number 1 - Must be a string","threw Error: mapStore value: string \"v\" - Must be a number"]`,
				"snapshot":    `{"#tag":"copyMap","payload":{"keys":["b","a",3],"values":[20,{"one":1},"three"]}}`,
				"afterDelete": `[3,"b"]`,
				"set":         `[["x","y"],2,true,{"#tag":"copySet","payload":["y","x"]},"threw Error: setStore key: number 1 - Must be a string"]`,
				"weak":        `["the thing",true,false,"threw Error: Only remotables can be keys of scalar WeakMapStores: \"k\""]`,
				"weakSet":     `[true,"threw Error: Only remotables can be keys of scalar WeakStores: \"k\"","[object Alleged: scalar WeakSetStore of \"key\"]"]`,
			})
		})

		t.Run("assert", func(t *testing.T) {
			got := vcBody(t, e, alice, "call", "mod", "assertChecks")
			want := `#["function","#undefined","threw Error: Check failed","threw Error: custom message","threw RangeError: Expected (a number) is same as (a number)","threw TypeError: (a number) must be a string","threw TypeError: (a number) must be a string","threw Error: Assert failed","threw Error: shown \"quoted\" hidden (a string)","threw Error: failed with {\"a\":1}","threw RangeError: typed"]`
			if got != want {
				t.Fatalf("assertChecks:\n got  %s\n want %s", got, want)
			}
		})

		t.Run("lockdown", func(t *testing.T) {
			for _, c := range []struct{ method, want string }{
				{"extraGlobals", `#["assert","console","harden"]`},
				{"absent", `#[]`},
				{"routes", `#{"asyncCtor":true,"ctorChain":"undefined","evalRequire":"undefined","functionCtor":true,"functionGo":"undefined","generatorCtor":"function","indirectEval":true,"protoOfGlobal":true}`},
				{"frozen", `#{"globals":true,"hardenDeep":true,"hardenProto":true,"intrinsics":true}`},
				{"tamed", `#{"dateCall":"threw TypeError: secure mode: Date.now() is not available (ask for the \"Date\" global)","dateNow":"threw TypeError: secure mode: Date.now() is not available (ask for the \"Date\" global)","givenDate":"1970-01-02T00:00:00.000Z","mathMax":2,"mathRandom":"threw TypeError: secure mode: Math.random() is not available (ask for the \"Math\" global)","newDate":"threw TypeError: secure mode: Date.now() is not available (ask for the \"Date\" global)"}`},
				{"mutate", `#{"arrayPush":"threw TypeError: Cannot assign to read only property 'push'","deleteJSON":"threw TypeError: Cannot delete property 'JSON' of [object global]","globalPromise":"threw TypeError: Cannot assign to read only property 'Promise'","instanceOverride":"Renamed","jsonParse":"threw TypeError: Cannot assign to read only property 'parse'","objectProto":"threw TypeError: Cannot add property polluted, object is not extensible","still":["function",1,"function"]}`},
				{"mutateUncaught", `rejected TypeError: Cannot assign to read only property 'toString'`},
				// The vat that tried is still there, its intrinsics intact.
				{"frozen", `#{"globals":true,"hardenDeep":true,"hardenProto":true,"intrinsics":true}`},
			} {
				if got := vcBody(t, e, alice, "call", "lock", c.method); got != c.want {
					t.Errorf("lock.%s:\n got  %s\n want %s", c.method, got, c.want)
				}
			}
			if got := vcBody(t, e, alice, "call", "bob", "mutateIntrinsic"); got != `rejected TypeError: Cannot assign to read only property 'push'` {
				t.Errorf("bob.mutateIntrinsic: %s", got)
			}
		})

		t.Run("vatPowers", func(t *testing.T) {
			if got := vcBody(t, e, alice, "call", "powers", "parameters"); got != `#{"n":3,"name":"powers","nested":{"list":[1,"!#two",{"!$k":null}]}}` {
				t.Errorf("parameters: %s", got)
			}
			if got := vcBody(t, e, alice, "call", "powers", "parametersFrozen"); got != `#true` {
				t.Errorf("parametersFrozen: %s", got)
			}
			if got := vcBody(t, e, alice, "call", "powers", "loggerShape"); got != `#["debug:function","error:function","info:function","log:function","warn:function"]` {
				t.Errorf("loggerShape: %s", got)
			}
			mark := len(e.logs.String())
			if got := vcBody(t, e, alice, "call", "powers", "log", "t1"); got != `#"logged"` {
				t.Fatalf("log: %s", got)
			}
			want := map[string]string{ // message -> level/tags
				"vc log t1":             "info/",
				"vc debug t1":           "debug/",
				"vc info t1":            "info/",
				"vc warn t1":            "warn/",
				"vc error t1":           "error/",
				"vc sub t1":             "info/vc-sub",
				"vc subsub t1":          "warn/vc-sub,deeper",
				`vc console t1 {"n":1}`: "info/",
			}
			// Worker logs reach the kernel's log on their own time.
			waitFor(t, patience, "the vat's log lines", func() bool {
				n := 0
				for _, l := range vatLogs(e, mark) {
					if _, ok := want[l.Message]; ok {
						n++
					}
				}
				return n >= len(want)
			})
			var powersVat string
			for _, l := range vatLogs(e, mark) {
				w, ok := want[l.Message]
				if !ok {
					continue
				}
				if l.VatName != "powers" || (powersVat != "" && l.Vat != powersVat) {
					t.Errorf("%q logged by vat %s (%s)", l.Message, l.Vat, l.VatName)
				}
				powersVat = l.Vat
				if got := l.Level + "/" + l.Tags; got != w {
					t.Errorf("%q logged as %s, want %s", l.Message, got, w)
				}
				delete(want, l.Message)
			}
			if len(want) > 0 {
				t.Errorf("not logged: %v\nlogs:\n%s", want, e.logs.String()[mark:])
			}
		})
	})
}

// vatIDs matches a vat id in an error, which depends on launch order.
var vatIDs = regexp.MustCompile(`vat v[0-9]+ `)

// TestVatCodeBadInput: each broken vat fails its own launch or call with a
// message saying what is wrong, and the vats already running carry on.
func TestVatCodeBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		// A delivery limit shorter than the default, so the vat that never
		// returns is given up on sooner, yet far longer than any other
		// delivery here takes on a busy machine. (A launch limit would
		// bound the corpus's six starts together.)
		e := startKernel(t, url, ocap.Options{DeliveryTimeout: 5 * time.Second})
		alice := e.launch("vc-corpus.json").RootKref
		for _, c := range []struct{ cluster, want string }{
			{"vc-bad-syntax.json", `vat "bad": vc-bad-syntax.ts:5:18: Unexpected ";"`},
			{"vc-bad-import.json", `vat "bad": cannot resolve "left-pad" imported by vc-bad-import.js`},
			{"vc-bad-spin.json", `launching subcluster: vat vN (bad) did not start: `},
			{"vc-bad-pending.json", `launching subcluster: vat vN (bad) did not start: buildRootObject returned a promise that did not settle`},
			{"vc-bad-root.json", `launching subcluster: vat vN (bad) did not start: buildRootObject must return a remotable (makeDefaultExo), got an object {"hello":"world"}`},
			{"vc-bad-mutate.json", `launching subcluster: vat vN (bad) did not start: buildRootObject failed: TypeError: Cannot assign to read only property 'map'`},
		} {
			cfg, err := ocap.LoadClusterConfig(filepath.Join("testdata", "clusters", c.cluster))
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.k.LaunchSubcluster(context.Background(), cfg)
			if err == nil || !strings.HasPrefix(vatIDs.ReplaceAllString(err.Error(), "vat vN "), c.want) {
				t.Errorf("%s: launch error %v\n want it to start with %s", c.cluster, err, c.want)
			}
		}
		waitFor(t, patience, "the failed launches' workers to exit", func() bool { return len(childWorkers(t)) == 6 })
		// The corpus still answers, its calls that fail fail alone.
		if got := vcBody(t, e, alice, "call", "bob", "badResult", "function"); !strings.HasPrefix(got, `rejected TypeError: In "badResult" method of (root): result: Cannot pass functions`) {
			t.Errorf("badResult: %s", got)
		}
		if got := vcBody(t, e, alice, "call", "mod", "add", 2, 3); got != `#5` {
			t.Errorf("mod.add after the failures: %s", got)
		}
		if got := vcBody(t, e, alice, "identity"); !strings.Contains(got, `"ownComesBack":true`) {
			t.Errorf("identity after the failures: %s", got)
		}
	})
}

// TestVatCodeBundles: `kernel bundle` output (bundle.Build then
// bundle.WriteFile, as the verb does) runs as bundleSpec and, through the
// config's bundles, as bundleName; one source is bundled once.
func TestVatCodeBundles(t *testing.T) {
	ctx := context.Background()
	peer, err := filepath.Abs(filepath.Join("testdata", "vats", "vc-peer.js"))
	if err != nil {
		t.Fatal(err)
	}
	b1, err := bundle.Build(ctx, peer)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := bundle.Build(ctx, peer)
	if err != nil || b2 != b1 {
		t.Fatalf("building the same source twice bundled it again (%v)", err)
	}
	forEachStore(t, func(t *testing.T, url string) {
		dir := t.TempDir()
		for src, out := range map[string]string{"vc-peer.js": "peer.bundle.js", "vc-modules.ts": "modules.bundle.js"} {
			b, err := bundle.Build(ctx, filepath.Join("testdata", "vats", src))
			if err != nil {
				t.Fatal(err)
			}
			if err := bundle.WriteFile(b, filepath.Join(dir, out)); err != nil {
				t.Fatal(err)
			}
		}
		aliceSrc, _ := filepath.Abs(filepath.Join("testdata", "vats", "vc-alice.mjs"))
		cfg := fmt.Sprintf(`{
  "bootstrap": "alice",
  "bundles": { "peer": { "bundleSpec": "peer.bundle.js" }, "mods": { "bundleSpec": "modules.bundle.js" } },
  "vats": {
    "alice": { "sourceSpec": %q },
    "bob": { "bundleSpec": "peer.bundle.js", "parameters": { "name": "bundled bob" } },
    "carol": { "bundleName": "peer", "parameters": { "name": "named carol" } },
    "mod": { "bundleName": "mods" }
  }
}`, aliceSrc)
		path := filepath.Join(dir, "cluster.json")
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		config, err := ocap.LoadClusterConfig(path)
		if err != nil {
			t.Fatal(err)
		}
		e := startKernel(t, url, ocap.Options{})
		res, err := e.k.LaunchSubcluster(ctx, config)
		if err != nil {
			t.Fatalf("launch: %v\nlogs:\n%s", err, e.logs.String())
		}
		for _, c := range []struct {
			args []any
			want string
		}{
			{[]any{"bob", "name"}, `#"bundled bob"`},
			{[]any{"carol", "name"}, `#"named carol"`},
			{[]any{"mod", "add", 20, 22}, `#42`},
			{[]any{"mod", "add", "x", 1}, `rejected Error: In "add" method of (root): arg 0: string "x" - Must be a number`},
			{[]any{"mod", "helpers"}, `#[42,42,["a","b"],"green","vc","a greets nobody"]`},
		} {
			if got := vcBody(t, e, res.RootKref, "call", c.args...); got != c.want {
				t.Errorf("call%v: %s, want %s", c.args, got, c.want)
			}
		}
		if got := vcBody(t, e, res.RootKref, "identity"); !strings.Contains(got, `"carolGetsTheSamePresence":true`) {
			t.Errorf("identity: %s", got)
		}
	})
}

// vcGuideService is the guide's myService: doSomething(arg) answers
// "result: <arg>".
type vcGuideService struct{}

func (vcGuideService) DoSomething(_ context.Context, arg string) (string, error) {
	return "result: " + arg, nil
}

// vcWeatherService is the guide's weatherService, as examples/weather has it.
type vcWeatherService struct{}

func (vcWeatherService) GetTemperature(_ context.Context, city string) (int, error) {
	if city == "" {
		return 0, errors.New("no city given")
	}
	sum := 0
	for _, r := range city {
		sum += int(r)
	}
	return 5 + sum%20, nil
}

func (vcWeatherService) GetForecast(_ context.Context, city string, days int) ([]string, error) {
	kinds := []string{"sunny", "cloudy", "rain", "windy", "snow"}
	out := make([]string, days)
	for i := range out {
		out[i] = kinds[(len(city)+i)%len(kinds)]
	}
	return out, nil
}

func (w vcWeatherService) report(city string) string {
	temp, _ := w.GetTemperature(context.Background(), city)
	forecast, _ := w.GetForecast(context.Background(), city, 3)
	return fmt.Sprintf("%s: %dC. Next 3 days: %s", city, temp, strings.Join(forecast, ", "))
}

// TestVatCodeGuideExamples runs the guide's vat examples, copied without a
// change into testdata/guide, as the guide says they behave.
func TestVatCodeGuideExamples(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		t.Run("bootstrap", func(t *testing.T) {
			e := startKernel(t, url, ocap.Options{})
			res := e.launch("vc-guide-bootstrap.json")
			if res.BootstrapResult == nil || res.BootstrapResult.Body != `#"#undefined"` {
				t.Fatalf("bootstrap answered %+v", res.BootstrapResult)
			}
			if got := e.mustCall(res.RootKref, "myMethod", "world"); got != "hello world" {
				t.Fatalf("myMethod: %v", got)
			}
		})

		t.Run("counter with baggage", func(t *testing.T) {
			e := startKernel(t, url, ocap.Options{KernelServices: []ocap.KernelService{{Name: "myService", Object: vcGuideService{}}}})
			root := e.launch("vc-guide-counter.json").RootKref
			for want := 1.0; want <= 2; want++ {
				if got := e.mustCall(root, "increment"); got != want {
					t.Fatalf("increment = %v, want %v", got, want)
				}
			}
			// The vat restarts from its baggage: the count goes on.
			e.restart()
			if got := e.mustCall(root, "increment"); got != 3.0 {
				t.Fatalf("increment after a restart = %v, want 3", got)
			}
		})

		t.Run("service user", func(t *testing.T) {
			e := startKernel(t, url, ocap.Options{KernelServices: []ocap.KernelService{{Name: "myService", Object: vcGuideService{}}}})
			root := e.launch("vc-guide-service-user.json").RootKref
			mark := len(e.logs.String())
			if got := vcBody(t, e, root, "doWork"); got != `#"#undefined"` {
				t.Fatalf("doWork: %s", got)
			}
			// Worker logs reach the kernel's log on their own time.
			waitFor(t, patience, `the vat to log "result: hello"`, func() bool {
				for _, l := range vatLogs(e, mark) {
					if l.Message == "result: hello" && l.VatName == "user" {
						return true
					}
				}
				return false
			})
		})

		t.Run("weather vat", func(t *testing.T) {
			cfg, err := ocap.LoadClusterConfig(filepath.Join("testdata", "clusters", "vc-guide-weather.json"))
			if err != nil {
				t.Fatal(err)
			}
			w := vcWeatherService{}
			e := startKernel(t, url, ocap.Options{
				KernelServices:    []ocap.KernelService{{Name: "weatherService", Object: w}},
				SystemSubclusters: []ocap.SystemSubclusterConfig{{Name: "weather-system", Config: *cfg}},
			})
			root, err := e.k.GetSystemSubclusterRoot("weather-system")
			if err != nil {
				t.Fatal(err)
			}
			if got := e.mustCall(root, "getWeatherReport", "Paris"); got != w.report("Paris") {
				t.Fatalf("getWeatherReport(Paris) = %v, want %s", got, w.report("Paris"))
			}
			if got := e.mustCall(root, "getWeatherReport"); got != w.report("London") {
				t.Fatalf("getWeatherReport() = %v, want %s", got, w.report("London"))
			}
			// Restored, not relaunched: the service comes from baggage.
			e.restart()
			if got := e.mustCall(root, "getWeatherReport", "Oslo"); got != w.report("Oslo") {
				t.Fatalf("getWeatherReport(Oslo) after a restart = %v, want %s", got, w.report("Oslo"))
			}
		})
	})
}

// TestVatCodeKernelModules: a vat using the JavaScript kernel's own vat
// modules (@metamask/logger, @metamask/kernel-utils and its discoverable
// exos) as its vats do; a package that reaches for Node's fs fails the
// launch naming the chain of imports, and an unresolved package says where
// it was looked for.
func TestVatCodeKernelModules(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		res := e.launch("vc-kernel-modules.json")
		if got := mustDecode(t, res.BootstrapResult); got != "modules ready" {
			t.Fatalf("bootstrap answered %v", got)
		}
		calc, ok := e.mustCall(res.RootKref, "getCalculator").(marshal.Ref)
		if !ok || calc.Iface != "Alleged: Calculator" {
			t.Fatalf("getCalculator: %#v", calc)
		}
		if got := vcBody(t, e, calc.Kref, "add", 2, 3); got != `#5` {
			t.Errorf("add: %s", got)
		}
		if got := vcBody(t, e, calc.Kref, "__getDescription__"); got != `#{"add":{"args":{"a":{"description":"First number","type":"number"},"b":{"description":"Second number","type":"number"}},"description":"Adds two numbers together","returns":{"description":"The sum","type":"number"}},"greet":{"args":{"name":{"description":"Who","type":"string"}},"description":"Greets a person by name","returns":{"description":"A greeting","type":"string"}}}` {
			t.Errorf("__getDescription__: %s", got)
		}
		celsius := e.mustCall(res.RootKref, "getCelsius").(marshal.Ref).Kref
		if got := vcBody(t, e, celsius, "toFahrenheit", 100); got != `#212` {
			t.Errorf("toFahrenheit: %s", got)
		}
		if got := vcBody(t, e, celsius, "toFahrenheit", "hot"); got != `rejected Error: In "toFahrenheit" method of (Temperature): arg 0: string "hot" - Must be a number` {
			t.Errorf("toFahrenheit(hot): %s", got)
		}
		if got := vcBody(t, e, res.RootKref, "describeLocally"); got != `#{"toFahrenheit":{"args":{"celsius":{"description":"degrees Celsius","type":"number"}},"description":"Converts to Fahrenheit","required":["celsius"],"returns":{"type":"number"}}}` {
			t.Errorf("describeLocally: %s", got)
		}

		// Engine errors read as V8 words them.
		if got := vcBody(t, e, res.RootKref, "misuse"); got != `rejected TypeError: celsius.getFahrenheit is not a function` {
			t.Errorf("misuse: %s", got)
		}
		if got := vcBody(t, e, res.RootKref, "readMissing"); got != `rejected TypeError: Cannot read properties of undefined (reading 'deep')` {
			t.Errorf("readMissing: %s", got)
		}

		mark := len(e.logs.String())
		if got := e.mustCall(res.RootKref, "log", "km"); got != `{"n":1}` {
			t.Fatalf("log: %v", got)
		}
		want := map[string]string{ // message -> level/tags
			`km 1 {"n":1}`:  "info/modules",
			"km deeper":     "warn/modules,deeper",
			"km standalone": "error/standalone",
		}
		waitFor(t, patience, "the vat's log lines", func() bool {
			n := 0
			for _, l := range vatLogs(e, mark) {
				if w, ok := want[l.Message]; ok && l.Level+"/"+l.Tags == w {
					n++
				}
			}
			return n == len(want)
		})

		dir := t.TempDir()
		for name, content := range map[string]string{
			"vat.js":                          "import { read } from 'leaky';\nexport const buildRootObject = () => read;\n",
			"uses-missing.js":                 "import pad from 'left-pad';\nexport const buildRootObject = () => pad;\n",
			"node_modules/leaky/package.json": `{"name": "leaky", "main": "index.js"}`,
			"node_modules/leaky/index.js":     "exports.read = require('./files.js').read;\n",
			"node_modules/leaky/files.js":     "const fs = require('fs');\nexports.read = fs.readFileSync;\n",
			"leaky.json":                      `{"bootstrap": "v", "vats": {"v": {"sourceSpec": "vat.js"}}}`,
			"missing.json":                    `{"bootstrap": "v", "vats": {"v": {"sourceSpec": "uses-missing.js"}}}`,
		} {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for cluster, want := range map[string]string{
			"leaky.json":   `vat "v": node_modules/leaky/files.js:1:20: "fs" is a Node.js built-in module, which a vat cannot use: vats get no host powers (import chain: vat.js → node_modules/leaky/index.js → node_modules/leaky/files.js → "fs")`,
			"missing.json": `vat "v": cannot resolve "left-pad" imported by uses-missing.js: no package "left-pad" in ` + filepath.Join(dir, "node_modules") + "; install it beside the vat (npm install left-pad, in " + dir + ")",
		} {
			cfg, err := ocap.LoadClusterConfig(filepath.Join(dir, cluster))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.k.LaunchSubcluster(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: launch error %v\n want it to contain %s", cluster, err, want)
			}
		}
	})
}
