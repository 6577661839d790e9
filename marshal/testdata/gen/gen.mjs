// Generates ../vectors.json and ../invalid.json from the real @endo/marshal.
//
// Usage (in a scratch folder outside the repository):
//   npm install ses @endo/marshal @endo/pass-style @endo/far
//   cp /path/to/marshal/testdata/gen/gen.mjs . && node gen.mjs /path/to/marshal/testdata
//
// Every vector is what makeMarshal(..., {serializeBodyFormat: 'smallcaps'})
// .toCapData(harden(value)) produced, so the Go encoder can be checked byte
// for byte against it.
import 'ses';
import '@endo/eventual-send/shim.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

lockdown({ errorTaming: 'unsafe', overrideTaming: 'severe', consoleTaming: 'unsafe' });

const { makeMarshal } = await import('@endo/marshal');
const { makeTagged, passStyleOf } = await import('@endo/pass-style');
const { Far } = await import('@endo/far');

const outDir = process.argv[2] || '.';

// Capabilities used by the vectors, each with a fixed slot.
const root = Far('root', { hello: () => 'hi' });
const other = Far('other', {});
const kobj = Far('kernelThing', {});
const promise = harden(Promise.resolve(1));
const promise2 = harden(Promise.resolve(2));
const kpromise = harden(Promise.resolve(3));
const slotOf = new Map([
  [root, 'o+0'],
  [promise, 'p+1'],
  [other, 'o-2'],
  [promise2, 'p-3'],
  [kobj, 'ko12'],
  [kpromise, 'kp7'],
]);

const makeM = errorTagging =>
  makeMarshal(
    val => {
      const s = slotOf.get(val);
      if (s === undefined) throw Error('no slot for value');
      return s;
    },
    (slot, iface) => {
      for (const [v, s] of slotOf) if (s === slot) return v;
      throw Error(`unknown slot ${slot} ${iface}`);
    },
    {
      serializeBodyFormat: 'smallcaps',
      errorTagging,
      marshalSaveError: () => {},
    },
  );

const vectors = [];
const add = (name, note, value, errorTagging = 'off') => {
  const { body, slots } = makeM(errorTagging).toCapData(harden(value));
  // Check the library decodes its own output.
  makeM(errorTagging).fromCapData({ body, slots });
  vectors.push({ name, body, slots: [...slots], note });
};

// Primitives.
add('null', 'null', null);
add('undefined', 'undefined', undefined);
add('true', 'true', true);
add('false', 'false', false);
add('zero', 'the number 0', 0);
add('negzero', '-0 is sent as 0', -0);
add('int', 'the number 42', 42);
add('negint', 'the number -7', -7);
add('float', 'the number 1.5', 1.5);
add('tenth', 'the number 0.1', 0.1);
add('third', 'the number 1/3', 1 / 3);
add('1e21', 'the number 1e21 (first exponent form)', 1e21);
add('1e20', 'the number 1e20 (last plain form)', 1e20);
add('1e-7', 'the number 1e-7 (first small exponent form)', 1e-7);
add('1e-6', 'the number 0.000001 (last small plain form)', 1e-6);
add('1.5e-7', 'the number 1.5e-7', 1.5e-7);
add('1.2345e25', 'the number 1.2345e25', 1.2345e25);
add('maxsafe', 'Number.MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER);
add('2pow53', '2**53', 2 ** 53);
add('maxvalue', 'Number.MAX_VALUE', Number.MAX_VALUE);
add('minvalue', 'Number.MIN_VALUE (smallest denormal)', Number.MIN_VALUE);
add('epsilon', 'Number.EPSILON', Number.EPSILON);
add('NaN', 'NaN', NaN);
add('Infinity', 'Infinity', Infinity);
add('-Infinity', '-Infinity', -Infinity);
add('bigint0', 'the bigint 0n', 0n);
add('bigint123', 'the bigint 123n', 123n);
add('bigint-123', 'the bigint -123n', -123n);
add('bigint2pow70', 'the bigint 2n**70n', 2n ** 70n);
add('bigint-2pow70', 'the bigint -(2n**70n)', -(2n ** 70n));

// Strings.
add('emptystring', 'the empty string', '');
add('hello', 'the string "hello"', 'hello');
add('unicode', 'the string "unicode é😀"', 'unicode é😀');
add('escapes', 'a string with quote, backslash, control characters', 'q"b\\n\nt\tr\rb\bf\fz\u0000e\u001f');
add('html', 'a string with <, >, & and U+2028/U+2029 (JSON.stringify leaves them)', '<a>&b\u2028\u2029');
add('del', 'a string with DEL and U+0080', '\u007f\u0080');
add('lonesurrogate', 'a string holding a lone high surrogate', 'a\ud800b');
add('lowsurrogate', 'a string holding a lone low surrogate', '\udc00');
add('bmpprivate', 'a string with U+E000 and U+FFFF', '\ue000\uffff');
for (let c = 0x20; c < 0x7f; c += 1) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9]/.test(ch) && !'aA0'.includes(ch)) continue;
  add(`prefix-${c.toString(16)}`, `the string ${JSON.stringify(ch + 'x')}`, `${ch}x`);
}
add('bang-only', 'the string "!"', '!');
add('hash-only', 'the string "#"', '#');
add('dash-only', 'the string "-"', '-');
add('hash-undefined', 'the string "#undefined"', '#undefined');
add('plus-number', 'the string "+123"', '+123');
add('dollar-slot', 'the string "$0.Alleged: root"', '$0.Alleged: root');
add('double-bang', 'the string "!!"', '!!');

// Symbols.
add('symbol-foo', "Symbol.for('foo')", Symbol.for('foo'));
add('symbol-empty', "Symbol.for('')", Symbol.for(''));
add('symbol-bang', "Symbol.for('!x') (the name is not escaped)", Symbol.for('!x'));
add('symbol-atat', "Symbol.for('@@foo') gets an extra @@", Symbol.for('@@foo'));
add('symbol-asyncIterator', 'the well-known Symbol.asyncIterator', Symbol.asyncIterator);
add('symbol-iterator', 'the well-known Symbol.iterator', Symbol.iterator);

// Arrays.
add('emptyarray', 'the empty array', []);
add('array', 'an array of mixed primitives', [1, 'two', true, null]);
add('nested', 'nested arrays', [[1, [2, [3]]], []]);
add('array-undefined', 'an array containing undefined', [undefined, 1, undefined]);
add('array-specials', 'an array of special strings, NaN and bigint', ['#a', '!b', NaN, 5n, -0]);
add('ping', 'the benchmark message ["ping",[1,"hello"]]', ['ping', [1, 'hello']]);

// Records.
add('emptyrecord', 'the empty record', {});
add('record', 'a record with keys given out of order', { b: 2, a: 1, c: 3 });
add('record-undefined', 'a record whose value is undefined', { u: undefined, n: null });
add('record-keyorder', 'keys differing in case and length', { b: 1, B: 2, aa: 3, a: 4, '': 5, _: 6, '~': 7 });
add('record-specialkeys', 'keys starting with # ! $ % & + - and a plain one',
  { '#k': 1, '!b': 2, $r: 3, '%s': 4, '&p': 5, '+n': 6, '-m': 7, x: 8 });
add('record-punctkeys', 'keys starting with " \' ( ) * , and space',
  { '"q': 1, "'a": 2, '(p': 3, ')p': 4, '*s': 5, ',c': 6, ' sp': 7 });
add('record-intkeys', 'integer-like keys: JS objects list array indices first, numerically',
  { b: 1, 10: 2, 9: 3, a: 4, '01': 5, 4294967294: 6, 4294967295: 7, '-1': 8, 1.5: 9 });
add('record-unicodekeys', 'keys compared by UTF-16 code units (U+FF5E sorts after an astral char)',
  { '\uff5e': 1, '😀': 2, é: 3, z: 4 });
add('record-nested', 'nested records and arrays',
  { outer: { inner: [1, { deep: 'x' }] }, list: [{ a: 1 }, { b: 2 }] });
add('record-tagkey', 'a record with keys "tag" and "payload" (not a tagged)', { payload: 1, tag: 't' });
add('record-proto', 'a record with an own "__proto__" key',
  Object.fromEntries([['__proto__', 1], ['x', 2]]));

// Tagged.
add('tagged', "makeTagged('copySet', [1,2])", makeTagged('copySet', [1, 2]));
add('tagged-nested', 'a tagged whose payload is a record with undefined',
  makeTagged('match:any', { x: undefined }));
add('tagged-specialtag', 'a tagged whose tag starts with #', makeTagged('#weird', null));
add('tagged-undefinedpayload', 'a tagged with an undefined payload', makeTagged('t', undefined));

// Errors.
add('error', "Error('boom')", Error('boom'));
add('typeerror', "TypeError('bad type')", TypeError('bad type'));
add('rangeerror', "RangeError('out of range')", RangeError('out of range'));
add('error-empty', 'Error() with no message', Error());
add('error-specialmsg', "Error('#not special') has its message escaped", Error('#not special'));
add('error-nested', 'an error inside a record', { err: TypeError('inner') });
add('error-tagged', "Error('boom') with errorTagging on (errorId added)", Error('boom'), 'on');
add('error-tagged-nested', 'two errors with errorTagging on', [Error('a'), RangeError('b')], 'on');

// Remotables and promises.
add('remotable', "Far('root', ...) as slot o+0", root);
add('remotable-twice', 'the same remotable twice: one slot, iface only the first time', [root, root]);
add('promise', 'a promise as slot p+1', promise);
add('promise-twice', 'the same promise twice', { a: promise, b: promise });
add('mix', 'remotables and promises mixed in a record',
  { root, p: promise, other, list: [other, root, promise2], n: 1 });
add('kernel-refs', 'kernel-style slots ko12 and kp7', [kobj, kpromise, kobj]);
add('args', 'a message argument list as a vat sends it', ['getWeatherReport', ['Paris', root]]);
add('tagged-remotable', 'a tagged whose payload holds a remotable', makeTagged('copyMap', { keys: [root], values: [1] }));

writeFileSync(join(outDir, 'vectors.json'), `${JSON.stringify(vectors, null, 1)}\n`);

// Bodies the library refuses to decode; the Go decoder refuses them too.
const invalid = [];
const reject = (name, body, slots = []) => {
  try {
    makeM('off').fromCapData({ body, slots });
  } catch (e) {
    invalid.push({ name, body, slots, error: String(e.message) });
    return;
  }
  throw Error(`expected ${name} (${body}) to be rejected`);
};
reject('unknown-constant', '#"#foo"');
reject('reserved-quote', '#"\\"x"');
reject('reserved-apostrophe', `#"'x"`);
reject('reserved-paren', '#"(x"');
reject('reserved-star', '#"*x"');
reject('reserved-comma', '#",x"');
reject('hash-key', '#{"#k":1}');
reject('dollar-key', '#{"$0":1}', ['o+0']);
reject('bigint-key', '#{"+1":1}');
reject('symbol-key', '#{"%foo":1}');
reject('tag-extra', '#{"#tag":"t","payload":1,"x":2}');
reject('tag-not-string', '#{"#tag":1,"payload":1}');
reject('tag-no-payload', '#{"#tag":"t"}');
reject('error-message-key', '#{"#error":"x","name":"Error","message":"y"}');
reject('error-no-name', '#{"#error":"x"}');
reject('error-name-number', '#{"#error":"x","name":5}');
reject('bad-bigint', '#"+x"');
reject('bad-json', '#[1,');
reject('trailing', '#1 2');
reject('well-known-unknown', '#"%@@notAWellKnownSymbol"');
writeFileSync(join(outDir, 'invalid.json'), `${JSON.stringify(invalid, null, 1)}\n`);

console.log(`${vectors.length} vectors, ${invalid.length} invalid bodies`);
