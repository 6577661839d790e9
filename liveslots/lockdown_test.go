package liveslots

import (
	"encoding/json"
	"strings"
	"testing"
)

// evaluate runs src with indirect eval inside the vat (global scope) and
// returns the result's body, or "rejected: <body>".
func evaluate(t *testing.T, v *Vat, src string) string {
	t.Helper()
	if src[0] >= '!' && src[0] <= '-' {
		src = "!" + src // smallcaps escape
	}
	arg, _ := json.Marshal(src)
	got := call(t, v, `#["evaluate",[`+string(arg)+`]]`)
	if len(got) != 1 {
		t.Fatalf("evaluate %s: %q", src, got)
	}
	line := got[0]
	if rest, ok := strings.CutPrefix(line, "resolve p-1 ok "); ok {
		return strings.TrimSuffix(rest, " []")
	}
	return "rejected: " + strings.TrimSuffix(strings.TrimPrefix(line, "resolve p-1 rejected "), " []")
}

func TestIntrinsicsAreFrozen(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	for _, expr := range []string{
		"Array.prototype", "Object.prototype", "Function.prototype", "Object", "Array",
		"Promise", "Promise.prototype", "Map.prototype", "Set.prototype", "WeakMap.prototype",
		"Error", "Error.prototype", "TypeError.prototype", "JSON", "Math", "Reflect", "Symbol",
		"String.prototype", "RegExp.prototype", "Date.prototype", "Uint8Array.prototype",
		"Object.getPrototypeOf(Uint8Array)", "Object.getPrototypeOf(Uint8Array).prototype",
		"Object.getPrototypeOf(async function () {})",
		"Object.getPrototypeOf(function* () {})",
		"Object.getPrototypeOf([][Symbol.iterator]())",
		"Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))",
		"harden", "console", "assert", "assert.equal", "Date", "Date.now",
	} {
		if got := evaluate(t, v, "Object.isFrozen("+expr+")"); got != "#true" {
			t.Errorf("Object.isFrozen(%s) = %s", expr, got)
		}
	}
}

// TestEveryIntrinsicIsFrozen walks everything reachable from the global
// object (lockdown.go's walk, done again in JavaScript) and the intrinsics
// no global leads to.
func TestEveryIntrinsicIsFrozen(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	const walk = `
	  const todo = [
	    Object.getPrototypeOf(async function () {}),
	    Object.getPrototypeOf(function* () {}),
	    Object.getPrototypeOf(Object.getPrototypeOf((function* () {})())),
	    Object.getPrototypeOf(new Map()[Symbol.iterator]()),
	    Object.getPrototypeOf(/x/[Symbol.matchAll]('x')),
	  ];
	  for (const k of Reflect.ownKeys(globalThis)) if (k !== 'globalThis') todo.push(globalThis[k]);
	  const seen = new Set();
	  const thawed = [];
	  while (todo.length > 0) {
	    const o = todo.pop();
	    if ((typeof o !== 'object' || o === null) && typeof o !== 'function') continue;
	    if (seen.has(o)) continue;
	    seen.add(o);
	    if (!Object.isFrozen(o) || harden(o) !== o) thawed.push(String(o.name ?? o));
	    todo.push(Object.getPrototypeOf(o));
	    for (const k of Reflect.ownKeys(o)) {
	      const d = Object.getOwnPropertyDescriptor(o, k);
	      todo.push(d.value, d.get, d.set);
	    }
	  }
	  seen.size > 400 ? thawed.join(', ') : 'only ' + seen.size + ' objects'`
	if got := evaluate(t, v, walk); got != `#""` {
		t.Errorf("not frozen: %s", got)
	}
}

func TestIntrinsicsCannotBePoisoned(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	cases := map[string]string{
		`'use strict'; try { Array.prototype.map = null; 'assigned' } catch (e) { e.name }`: `#"TypeError"`,
		`'use strict'; try { globalThis.Promise = null; 'assigned' } catch (e) { e.name }`:  `#"TypeError"`,
		`'use strict'; try { delete globalThis.JSON; 'deleted' } catch (e) { e.name }`:      `#"TypeError"`,
		`'use strict'; try { Object.prototype.evil = 1; 'added' } catch (e) { e.name }`:     `#"TypeError"`,
		`typeof [].map === 'function' && typeof JSON.stringify === 'function'`:              `#true`,
		// Assigning a name the frozen prototypes hold still works on instances.
		`'use strict'; class MyError extends Error { constructor(m) { super(m); this.name = 'MyError'; } } new MyError('x').name`: `#"MyError"`,
		`'use strict'; const o = {}; o.toString = () => 'mine'; String(o)`:                                                        `#"mine"`,
		// Function and eval reach only the vat's own global.
		`Function('return this')() === globalThis`: `#true`,
	}
	for src, want := range cases {
		if got := evaluate(t, v, src); got != want {
			t.Errorf("%s\n got  %s\n want %s", src, got, want)
		}
	}
}

func TestDateAndMathAreTamed(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	dateMsg := `secure mode: Date.now() is not available (ask for the \"Date\" global)`
	cases := map[string]string{
		`Date.now()`:                       `rejected: #{"#error":"` + dateMsg + `","name":"TypeError"}`,
		`new Date()`:                       `rejected: #{"#error":"` + dateMsg + `","name":"TypeError"}`,
		`Date()`:                           `rejected: #{"#error":"` + dateMsg + `","name":"TypeError"}`,
		`Math.random()`:                    `rejected: #{"#error":"secure mode: Math.random() is not available (ask for the \"Math\" global)","name":"TypeError"}`,
		`new Date(86400000).toISOString()`: `#"1970-01-02T00:00:00.000Z"`,
		`Date.UTC(2020, 0, 1)`:             `#1577836800000`,
		`new Date(0) instanceof Date`:      `#true`,
		`Math.max(1, 2)`:                   `#2`,
	}
	for src, want := range cases {
		if got := evaluate(t, v, src); got != want {
			t.Errorf("%s\n got  %s\n want %s", src, got, want)
		}
	}
}

// The global Promise records what its promises are resolved to; otherwise
// it acts as the intrinsic.
func TestPromiseActsAsIntrinsic(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	cases := map[string]string{
		`const p = Promise.resolve(1); Promise.resolve(p) === p`:                                                                          `#true`,
		`Object.getPrototypeOf(new Promise(() => {})) === Promise.prototype`:                                                              `#true`,
		`(async () => 1)() instanceof Promise`:                                                                                            `#true`,
		`[Promise.name, Promise.length, Promise.all.name, Promise[Symbol.species] === Promise]`:                                           `#["Promise",1,"all",true]`,
		`Object.getOwnPropertyNames(Promise).sort().join()`:                                                                               `#"all,allSettled,any,length,name,prototype,race,reject,resolve"`,
		`try { Promise(() => {}); 'called' } catch (e) { e.message }`:                                                                     `#"Constructor Promise requires 'new'"`,
		`try { new Promise(1); 'made' } catch (e) { e.name }`:                                                                             `#"TypeError"`,
		`class P2 extends Promise {}; const q = new P2(r => r(1)); [q instanceof P2, q.then(() => 1) instanceof P2, P2.resolve(q) === q]`: `#[true,true,true]`,
		// Executors keep their semantics: the first resolution wins, a throw
		// after it is ignored, and resolving to itself rejects.
		`new Promise((res, rej) => { res(1); rej(2); throw Error('x') })`: `#1`,
		`let r; const p = new Promise(res => { r = res; }); r(p); p`:      `rejected: #{"#error":"Promise self-resolution","name":"TypeError"}`,
		`new Promise(res => res(Promise.resolve('inner')))`:               `#"inner"`,
	}
	for src, want := range cases {
		if got := evaluate(t, v, src); got != want {
			t.Errorf("%s\n got  %s\n want %s", src, got, want)
		}
	}
}

func TestNoHostGlobals(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	for _, name := range []string{"require", "process", "GoError", "host", "lib", "send", "syscall",
		"setTimeout", "fetch", "__ocap_require", "__ocapVat", "dispatch"} {
		if got := evaluate(t, v, "typeof "+name); got != `#"undefined"` {
			t.Errorf("typeof %s = %s", name, got)
		}
	}
	// Beyond the ECMAScript globals, the vat sees exactly assert, harden and
	// console.
	got := evaluate(t, v, `Reflect.ownKeys(globalThis).filter(k => typeof k === 'string' && ![
		'globalThis','Infinity','NaN','undefined','eval','isFinite','isNaN','parseFloat','parseInt',
		'decodeURI','decodeURIComponent','encodeURI','encodeURIComponent','escape','unescape',
		'Object','Function','Array','Number','Boolean','String','Symbol','BigInt','Date','RegExp',
		'Promise','Proxy','Reflect','JSON','Math','Map','Set','WeakMap','WeakSet','Error',
		'AggregateError','EvalError','RangeError','ReferenceError','SyntaxError','TypeError',
		'URIError','ArrayBuffer','DataView','Int8Array','Uint8Array','Uint8ClampedArray',
		'Int16Array','Uint16Array','Int32Array','Uint32Array','Float32Array','Float64Array',
		'BigInt64Array','BigUint64Array'].includes(k)).sort()`)
	if got != `#["assert","console","harden"]` {
		t.Errorf("extra globals: %s", got)
	}
}

func TestHarden(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	cases := map[string]string{
		`const o = harden({ a: { b: [1, { c: 2 }] } }); Object.isFrozen(o.a.b[1])`:                                              `#true`,
		`class K { m() {} } const k = harden(new K()); Object.isFrozen(K.prototype) && Object.isFrozen(K)`:                      `#true`,
		`const s = Symbol('s'); const o = harden({ [s]: {} }); Object.isFrozen(o[s])`:                                           `#true`,
		`let x = {}; const o = harden({ get g() { return x; } }); Object.isFrozen(Object.getOwnPropertyDescriptor(o, 'g').get)`: `#true`,
		`harden(5)`: `#5`,
	}
	for src, want := range cases {
		if got := evaluate(t, v, src); got != want {
			t.Errorf("%s\n got  %s\n want %s", src, got, want)
		}
	}
}

func TestReceivedValuesAreHardened(t *testing.T) {
	v, _ := startVatFile(t, "basic.js", nil, nil)
	// Frozen arguments: checked by sending them back through a method that
	// hardens nothing itself.
	got := call(t, v, `#["evaluate",["1"]]`)
	expectSyscalls(t, got, `resolve p-1 ok #1 []`)
	got = call(t, v, `#["frozen",[{"a":[{"b":1}]},"$0.Alleged: bob","&1"]]`, "o-1", "p-2")
	expectSyscalls(t, withoutSubscribe(got), `resolve p-1 ok #true []`)
}

func withoutSubscribe(lines []string) []string {
	out := []string{}
	for _, l := range lines {
		if !strings.HasPrefix(l, "subscribe ") {
			out = append(out, l)
		}
	}
	return out
}
