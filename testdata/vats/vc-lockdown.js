// vat-code corpus: what a vat without endowments can reach. Each method
// answers what it found; the host compares.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

const standard = [
  'globalThis', 'Infinity', 'NaN', 'undefined', 'eval', 'isFinite', 'isNaN', 'parseFloat',
  'parseInt', 'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape',
  'unescape', 'Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'BigInt',
  'Date', 'RegExp', 'Promise', 'Proxy', 'Reflect', 'JSON', 'Math', 'Map', 'Set', 'WeakMap',
  'WeakSet', 'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError',
  'SyntaxError', 'TypeError', 'URIError', 'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array',
  'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array',
  'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

const attempt = f => {
  try {
    return f();
  } catch (e) {
    return `threw ${e.name}: ${e.message}`;
  }
};

export function buildRootObject() {
  return makeDefaultExo('root', {
    // extraGlobals: the global object's own names beyond the standard
    // library.
    extraGlobals: () =>
      harden(Object.getOwnPropertyNames(globalThis).filter(k => !standard.includes(k)).sort()),
    absent: () =>
      harden(
        ['require', 'process', 'go', 'fetch', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout',
          'queueMicrotask', 'crypto', 'TextEncoder', 'URL', 'WebAssembly', 'module', 'exports', 'Buffer',
          '__ocap_require', '__ocapVat', 'lib', 'host']
          .filter(name => typeof globalThis[name] !== 'undefined')),
    // routes: ways code tries to reach another global object or the host.
    routes: () =>
      harden({
        functionCtor: Function('return this')() === globalThis,
        indirectEval: (0, eval)('this') === globalThis,
        asyncCtor: (async () => {}).constructor('return typeof require')() instanceof Promise,
        generatorCtor: typeof Object.getPrototypeOf(function* () {}).constructor('return 1'),
        ctorChain: [].constructor.constructor('return typeof process')(),
        evalRequire: (0, eval)('typeof require'),
        functionGo: Function('return typeof go')(),
        protoOfGlobal: Object.getPrototypeOf(globalThis) === Object.prototype,
      }),
    frozen: () =>
      harden({
        intrinsics: [Array.prototype, Object.prototype, Function.prototype, Promise.prototype, JSON, Math,
          Reflect, Error.prototype, Object.getPrototypeOf(async function () {}),
          Object.getPrototypeOf(function* () {})].every(Object.isFrozen),
        globals: ['harden', 'console', 'assert'].every(name => Object.isFrozen(globalThis[name])),
        hardenDeep: (() => {
          const o = harden({ a: { b: [{ c: {} }] } });
          return Object.isFrozen(o.a.b[0].c);
        })(),
        hardenProto: (() => {
          class K {
            m() {}
          }
          harden(new K());
          return Object.isFrozen(K.prototype);
        })(),
      }),
    tamed: () =>
      harden({
        dateNow: attempt(() => Date.now()),
        newDate: attempt(() => new Date()),
        dateCall: attempt(() => Date()),
        mathRandom: attempt(() => Math.random()),
        givenDate: new Date(86400000).toISOString(),
        mathMax: Math.max(1, 2),
      }),
    mutate: () =>
      harden({
        arrayPush: attempt(() => {
          Array.prototype.push = () => 0;
        }),
        objectProto: attempt(() => {
          Object.prototype.polluted = true;
        }),
        jsonParse: attempt(() => {
          JSON.parse = () => 'evil';
        }),
        globalPromise: attempt(() => {
          globalThis.Promise = null;
        }),
        deleteJSON: attempt(() => {
          delete globalThis.JSON;
        }),
        still: [typeof [].push, JSON.parse('1'), typeof Promise],
        // An instance may still set a name its frozen prototype holds.
        instanceOverride: (() => {
          const e = new Error('x');
          e.name = 'Renamed';
          return e.name;
        })(),
      }),
    // mutateUncaught lets the TypeError reject the call.
    mutateUncaught() {
      Object.prototype.toString = () => 'evil';
      return 'mutated';
    },
  });
}
