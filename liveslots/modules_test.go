package liveslots

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestBuiltinModules(t *testing.T) {
	v, _ := startVatFile(t, "modules.js", nil, nil)
	expectSyscalls(t, call(t, v, `#["styles",[]]`),
		`resolve p-1 ok #["number","string","null","undefined","bigint","symbol","copyArray","copyRecord","remotable","remotable","promise","error","tagged","remotable"] []`)
	expectSyscalls(t, call(t, v, `#["counter",[]]`), `resolve p-1 ok #[11,17] []`)
	expectSyscalls(t, call(t, v, `#["tagged",[]]`), `resolve p-1 ok #{"#tag":"copySet","payload":["a","b"]} []`)
	expectSyscalls(t, call(t, v, `#["pattern",[]]`), `resolve p-1 ok #{"#tag":"match:string","payload":[]} []`)
	expectSyscalls(t, call(t, v, `#["locals",[]]`), `resolve p-1 ok #["far hi","exo hi"] []`)
	expectSyscalls(t, call(t, v, `#["kit",[]]`), `resolve p-1 ok #"kept" []`)
	expectSyscalls(t, call(t, v, `#["specialNames",[]]`), `resolve p-1 ok #["n",3] []`)
	expectSyscalls(t, call(t, v, `#["whenValue",[]]`), `resolve p-1 ok #4 []`)
	got := call(t, v, `#["gets",["$0.Alleged: bob"]]`, "o-1")
	if len(got) != 1 || !strings.HasPrefix(got[0], `resolve p-1 ok #[1,"E.get([Alleged: bob]).x: getting a property of an object in another vat is not supported"]`) {
		t.Fatalf("got %q", got)
	}
}

func TestNotPassable(t *testing.T) {
	v, _ := startVatFile(t, "modules.js", nil, nil)
	for kind, want := range map[string]string{
		"unfrozen": `TypeError: Cannot pass non-frozen objects like {}. Use harden()`,
		"fn":       `TypeError: Cannot pass functions like [Function (anonymous)]`,
		"instance": `TypeError: Cannot pass non-remotable objects with a prototype (class instances, ...) like Point {}`,
		"symbol":   `TypeError: Only registered symbols or well-known symbols are passable: Symbol(private)`,
	} {
		got := call(t, v, `#["notPassable",["`+kind+`"]]`)
		if len(got) != 1 || !strings.Contains(got[0], want) {
			t.Errorf("%s: got %q, want it to contain %q", kind, got, want)
		}
	}
}

// captureLogger collects log output for assertions.
type captureLogger struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *captureLogger) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *captureLogger) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func TestConsoleAndLoggerReachGoLog(t *testing.T) {
	out := &captureLogger{}
	logger := hclog.New(&hclog.LoggerOptions{Output: out, Level: hclog.Trace})
	v, err := New(logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if res := v.Deliver(startDelivery(readBundle(t, "basic.js"), nil, nil)); res.Error != "" {
		t.Fatal(res.Error)
	}
	expectSyscalls(t, call(t, v, `#["log",["hi"]]`), `resolve p-1 ok #"logged" []`)
	text := out.String()
	for _, want := range []string{
		`[INFO]  console says hi {"n":1}: vat=v1 vatName=test`,
		`[INFO]  logger says hi: vat=v1 vatName=test tags=sub`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
}

func TestUnhandledRejectionIsLogged(t *testing.T) {
	out := &captureLogger{}
	v, err := New(hclog.New(&hclog.LoggerOptions{Output: out, Level: hclog.Trace}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if res := v.Deliver(startDelivery(readBundle(t, "modules.js"), nil, nil)); res.Error != "" {
		t.Fatal(res.Error)
	}
	expectSyscalls(t, call(t, v, `#["loseRejection",[]]`), `resolve p-1 ok #"done" []`)
	if !strings.Contains(out.String(), `unhandled promise rejection in vat: vat=v1 vatName=test reason="Error: nobody listens"`) {
		t.Errorf("log:\n%s", out.String())
	}
}

// The JavaScript kernel's own modules, as its vats use them: Logger with
// tags, sub-loggers and transports; discoverable exos and S; the helpers.
func TestMetaMaskModules(t *testing.T) {
	out := &captureLogger{}
	v, err := New(hclog.New(&hclog.LoggerOptions{Output: out, Level: hclog.Trace}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if res := v.Deliver(startDelivery(readBundle(t, "metamask.js"), nil, nil)); res.Error != "" {
		t.Fatal(res.Error)
	}
	expectSyscalls(t, call(t, v, `#["log",[]]`),
		`resolve p-1 ok #{"badOptions":"threw Error: Invalid logger options","entries":[["debug",["a","b"],"to the array",[7]]],"isLogger":true,"keys":["debug","error","info","log","warn"]} []`)
	text := out.String()
	for _, want := range []string{
		`[INFO]  mm info {"n":1}: vat=v1 vatName=test tags=mm`,
		`[WARN]  mm warn: vat=v1 vatName=test tags="mm,deeper"`,
		`[INFO]  mm standalone: vat=v1 vatName=test tags=standalone`,
		`[ERROR] mm untagged: vat=v1 vatName=test` + "\n",
		`[ERROR] ["t"] mm console transport: vat=v1 vatName=test` + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "filtered out") {
		t.Errorf("the console transport's level did not filter:\n%s", text)
	}
	expectSyscalls(t, call(t, v, `#["discover",[]]`),
		`resolve p-1 ok #{"calculator":{"add":{"args":{},"description":"Adds"}},"greeter":{"greet":{"args":{"name":{"description":"who","type":"string"},"times":{"type":"number"}},"description":"Greets someone","required":["name"],"returns":{"description":"the greeting","type":"string"}}},"reserved":"threw Error: The `+"`__getDescription__`"+` method name is reserved for discoverable exos.","sum":5} []`)
	expectSyscalls(t, call(t, v, `#["helpers",[]]`),
		`resolve p-1 ok #{"capData":[true,false],"clash":"threw Error: Duplicate keys in records: a, found in entries 0 and 1","counter":[11,12],"delay":true,"hex":["01ab","01ab00"],"ifDefined":{"a":1},"merged":["a","b"],"primitive":[true,false],"rpc":[true,true,true,false],"stringify":["{\"a\":[1]}","1","undefined"],"typed":[true,false],"typedObject":true} []`)
	// The discoverable exo's guard holds for calls from other vats.
	got := call(t, v, `#["greetLater",["bo",2]]`)
	expectSyscalls(t, got, `resolve p-1 ok #"hello bohello bo" []`)
	got = call(t, v, `#["greetLater",[5]]`)
	if len(got) != 1 || !strings.Contains(got[0], `In \"greet\" method of (Greeter): arg 0: number 5 - Must be a string`) {
		t.Errorf("greet(5): %q", got)
	}
}

// Engine errors leave the vat in V8's words, as on the JavaScript kernel.
func TestEngineErrorsInV8Words(t *testing.T) {
	v, _ := startVatFile(t, "engineerrors.js", nil, nil)
	for method, want := range map[string]string{
		"missingMethod":  `TypeError: celsius.getFahrenheit is not a function`,
		"nestedMissing":  `TypeError: holder.inner.method is not a function`,
		"callResult":     `TypeError: holder.make(...).go is not a function`,
		"computed":       `TypeError: holder['in' + 'ner'].run is not a function`,
		"callUndefined":  `TypeError: nothing is not a function`,
		"callNumber":     `TypeError: notFn is not a function`,
		"readUndefined":  `TypeError: Cannot read properties of undefined (reading 'field')`,
		"readNull":       `TypeError: Cannot read properties of undefined (reading 'field')`,
		"notConstructor": `TypeError: holder.make is not a constructor`,
		"plainError":     `TypeError: Object has no member of my own`,
		"inOperator":     `TypeError: Value is not an object: 5`,
		"setUndefined":   `TypeError: Cannot set properties of undefined (setting 'x')`,
		"setComputed":    `TypeError: Cannot set properties of undefined (setting 'k')`,
		"native":         `TypeError: Cannot convert undefined or null to object`,
		"nativeCall":     `TypeError: Value is not an object: 5`, // thrown inside a built-in: not the vat's call
	} {
		got := call(t, v, `#["`+method+`",[]]`)
		name, msg, _ := strings.Cut(want, ": ")
		if body := fmt.Sprintf(`resolve p-1 rejected #{"#error":%q,"name":%q} []`, msg, name); len(got) != 1 || got[0] != body {
			t.Errorf("%s: got %q, want %s", method, got, body)
		}
	}
	// An error passed as a value is written the same way.
	expectSyscalls(t, call(t, v, `#["caught",[]]`), `resolve p-1 ok #{"#error":"celsius.getFahrenheit is not a function","name":"TypeError"} []`)
}
