package liveslots

import (
	"encoding/json"
	"strings"
	"testing"
)

// runSnippet runs src in the guards test vat and answers the result's
// smallcaps body.
func runSnippet(t *testing.T, v *Vat, src string) string {
	t.Helper()
	arg, _ := json.Marshal(src)
	if src != "" && src[0] >= '!' && src[0] <= '-' {
		arg, _ = json.Marshal("!" + src)
	}
	got := call(t, v, `#["run",[`+string(arg)+`]]`)
	if len(got) != 1 {
		t.Fatalf("run %s: %q", src, got)
	}
	line, ok := strings.CutPrefix(got[0], "resolve p-1 ok ")
	if !ok {
		t.Fatalf("run %s: %q", src, got)
	}
	return strings.TrimSuffix(line, " []")
}

type snippet struct{ src, want string }

func runSnippets(t *testing.T, cases []snippet) {
	t.Helper()
	v, _ := startVatFile(t, "guards.js", nil, nil)
	for _, c := range cases {
		if got := runSnippet(t, v, c.src); got != c.want {
			t.Errorf("%s\n got  %s\n want %s", c.src, got, c.want)
		}
	}
}

func TestPatterns(t *testing.T) {
	const p = `const { M, mustMatch, matches, keyEQ, keyLT, isKey, makeCopySet, makeCopyMap, makeCopyBag, kindOf } = require('@endo/patterns');
	const fails = (x, patt) => { try { mustMatch(harden(x), patt, 'x'); return 'ok'; } catch (e) { return e.message; } };`
	runSnippets(t, []snippet{
		{p + `return [fails([1, 'a'], M.splitArray([M.number()], [M.string()], M.any())), fails([1, 2], M.splitArray([M.number()], [M.string()])), fails([], M.splitArray([M.number()]))];`, `#["ok","x: arg 1?: number 2 - Must be a string","x: Expected at least 1 arguments: []"]`},
		{p + `return [fails({ a: 1, b: 'x' }, M.splitRecord({ a: M.number() }, { b: M.number() })), fails({ a: 1, c: 1 }, M.splitRecord({ a: M.number() }, {}, M.record())), fails({ a: 1, c: 1 }, M.splitRecord({ a: M.number() }, {}, harden({})))];`, `#["x: b?: string \"x\" - Must be a number","ok","x: ...rest: {\"c\":1} - Must be: {}"]`},
		{p + `return [fails({ a: 1, b: 'x' }, M.recordOf(M.string(), M.number())), fails({ a: 1 }, M.recordOf(M.string(), M.number()))];`, `#["x: b: string \"x\" - Must be a number","ok"]`},
		{p + `const s = makeCopySet(['b', 'a', 'c']); return [s, fails(s, M.setOf(M.string())), fails(makeCopySet([1, 'a']), M.setOf(M.string())), fails(s, M.containerHas('a')), fails(s, M.containerHas('z'))];`, `#[{"#tag":"copySet","payload":["c","b","a"]},"ok","x: set elements[1]: number 1 - Must be a string","ok","x: Has only 0n matches, but needs 1n"]`},
		{p + `try { makeCopySet(['a', 'a']); } catch (e) { return e.message; }`, `#"copySet has duplicate keys: \"a\""`},
		{p + `const m = makeCopyMap([['x', 1], ['y', 2]]); return [m, fails(m, M.mapOf(M.string(), M.number())), fails(m, M.mapOf(M.string(), M.string()))];`, `#[{"#tag":"copyMap","payload":{"keys":["y","x"],"values":[2,1]}},"ok","x: map values[0]: number 2 - Must be a string"]`},
		{p + `const b = makeCopyBag([['x', 2n]]); return [b, fails(b, M.bagOf(M.string(), M.nat())), fails(b, M.bagOf(M.string(), M.gte(3n)))];`, `#[{"#tag":"copyBag","payload":[["x","+2"]]},"ok","x: bag counts[0]: 2n - Must be >= 3n"]`},
		{p + `return [fails(5, M.eq(5)), fails(6, M.eq(5)), fails(5, M.neq(5)), fails(Promise.resolve(), M.eref(M.string())), fails('s', M.eref(M.string())), fails(1, M.eref(M.string()))];`, `#["ok","x: 6 - Must be: 5","x: 5 - Must fail negated pattern: 5","ok","ok","x: 1 - Must match one of [M.string(),M.promise()]"]`},
		{p + `return [fails(harden([1]), M.scalar()), fails(Promise.resolve(), M.key()), fails(1, M.kind('string')), fails(harden({}), M.tagged()), fails(makeCopySet([]), M.tagged('copySet'))];`, `#["x: A \"copyArray\" cannot be a scalar key: [1]","x: [Promise] - Must be a key","x: number 1 - Must be a string","x: Expected tagged object, not \"copyRecord\": {}","ok"]`},
		{p + `return [keyEQ(harden({ a: [1, 2] }), harden({ a: [1, 2] })), keyEQ(1, '1'), keyLT(1, 2), keyLT('b', 'a'), keyLT(harden([1, 2]), harden([1, 3])), isKey(Promise.resolve()), kindOf(makeCopySet([])), kindOf(harden({}))];`, `#[true,false,true,false,true,false,"copySet","copyRecord"]`},
		{p + `return [fails('x', M.string({ stringLengthLimit: 0 })), fails(harden([1, 2]), M.arrayOf(M.any(), { arrayLengthLimit: 1 }))];`, `#["x: string \"x\" must not be bigger than 0","x: Array length 2 must be <= limit 1"]`},
		{p + `return [matches(() => 1, M.any()), fails(() => 1, M.any())];`, `#[false,"x: Cannot pass functions like [Function (anonymous)]; make a remotable with makeDefaultExo() or Far()"]`},
		{p + `try { mustMatch(1, Promise.resolve()); } catch (e) { return e.message; }`, `#"A \"promise\" cannot be a pattern: [Promise]"`},
		{p + `try { M.call(M.number()).rest(M.await(M.number())); } catch (e) { return e.message; }`, `#"Rest args may not be awaited: makeTagged(\"guard:awaitArgGuard\",{\"argGuard\":M.number()})"`},
		{p + `try { M.call(M.await(M.number())).returns(); } catch (e) { return e.message; }`, `#"methodGuard: argGuards: 0: M.await() is only allowed in the arguments of M.callWhen()"`},
	})
}

func TestExoGuards(t *testing.T) {
	const p = `const { M } = require('@endo/patterns'); const { makeExo, defineExoClass, defineExoClassKit } = require('@endo/exo'); const { makeDefaultExo } = require('@metamask/kernel-utils/exo');
	const attempt = f => { try { return f(); } catch (e) { return e.name + ': ' + e.message; } };`
	runSnippets(t, []snippet{
		// M.raw arguments are neither hardened nor checked.
		{p + `const x = makeExo('R', M.interface('R', { put: M.call(M.raw()).returns() }), { put(o) { o.touched = true; } }); const o = {}; x.put(o); return [o.touched, Object.isFrozen(o)];`, `#[true,false]`},
		{p + `const x = makeExo('R', M.interface('R', {}, { defaultGuards: 'raw' }), { put(o) { o.touched = true; return o; } }); const o = {}; return [x.put(o) === o, Object.isFrozen(o)];`, `#[true,false]`},
		{p + `const x = makeExo('S', M.interface('S', {}, { sloppy: true }), { any(o) { return o; } }); const o = {}; x.any(o); return Object.isFrozen(o);`, `#true`},
		{p + `const make = defineExoClass('F', undefined, () => ({ n: 0 }), { get() { return this.state.n; } }, { finish: ({ state, self }) => { state.n = 7; } }); return make().get();`, `#7`},
		{p + `const kit = defineExoClassKit('K', undefined, () => ({}), { a: { me() { return this.facets.b; } }, b: { x: () => 1 } })(); return [Object.isFrozen(kit), kit.a.me() === kit.b, String(kit.a)];`, `#[true,true,"[object Alleged: K a]"]`},
		{p + `return attempt(() => defineExoClassKit('K', undefined, () => ({}), { only: {} }));`, `#"Error: A multi-facet object must have multiple facets"`},
		{p + `return attempt(() => makeDefaultExo('x', { value: 5 }));`, `#"TypeError: makeDefaultExo(\"x\"): property value is not a method"`},
		{p + `const e = makeExo('T', undefined, { self() { return this.self; }, state() { return this.state; } }); return [e.self() === e, Object.keys(e.state()).length, typeof e.__getInterfaceGuard__];`, `#[true,0,"undefined"]`},
		{p + `const { Far } = require('@endo/far'); const f = Far('f', { me() { return this; } }); return f.me() === f;`, `#true`},
	})
}

func TestStoresAndAssert(t *testing.T) {
	runSnippets(t, []snippet{
		{`const { makeScalarMapStore, provideLazy, makeCopyMap, M } = require('@agoric/store');
		  const m = makeScalarMapStore();
		  m.addAll(makeCopyMap([['a', 1], ['b', 2]]));
		  m.addAll([['c', 3]]);
		  const made = provideLazy(m, 'd', k => k + '!');
		  const again = provideLazy(m, 'd', () => 'other');
		  const some = m.keys(M.string(), M.number());
		  m.clear(M.gte('c'));
		  return [made, again, some, m.keys(), m.getSize(M.any(), M.number())];`, `#["d!","d!",["a","b","c"],["a","b"],2]`},
		{`const { makeScalarSetStore, makeCopySet } = require('@agoric/store');
		  const s = makeScalarSetStore(); s.addAll(makeCopySet([3, 1])); s.addAll([2]); s.delete(1);
		  try { s.delete(9); } catch (e) { return [s.keys(), e.message]; }`, `#[[2,3],"!\"key\" not found: 9"]`},
		{`const { Fail, q, X, b, makeError } = require('@endo/errors');
		  const out = [];
		  try { Fail` + "`" + `no ${q('x')} ${b('bare')} ${'hidden'} ${new TypeError('t')}` + "`" + `; } catch (e) { out.push(e.message); }
		  out.push(makeError(X` + "`" + `made ${q(1n)}` + "`" + `, RangeError).name);
		  out.push(assert.quote(harden({ a: [1] })).toString());
		  return out;`, `#["no \"x\" bare (a string) (a TypeError)","RangeError","{\"a\":[1]}"]`},
		{`try { require('left-pad'); } catch (e) { return e.message; }`, `#"cannot resolve \"left-pad\": a vat can require only the worker's built-in modules (@endo/eventual-send, @endo/far, @metamask/kernel-utils/exo, @metamask/kernel-utils, @metamask/kernel-utils/discoverable, @metamask/logger, @endo/exo, @endo/marshal, @endo/pass-style, @endo/patterns, @endo/promise-kit, @endo/errors, @agoric/store, @metamask/ocap-kernel, @agoric/vat-data), never Node.js built-ins"`},
	})
}
