// marshal.js encodes and decodes smallcaps CapData byte for byte as
// @endo/marshal does (errorTagging off; a received errorId is kept and sent
// on). It is one JSON.stringify/JSON.parse plus one walk, because the real
// library costs about half a millisecond per message in goja.
(function marshalModule(lib) {
  'use strict';

  const {
    inspect,
    classify,
    isError,
    remotables,
    makeTagged,
    nameForPassableSymbol,
    passableSymbolForName,
    cycleCheckDepth,
  } = lib;
  const { freeze, create, defineProperty, keys: objectKeys } = Object;
  const { ownKeys } = Reflect;
  const { isArray } = Array;
  const { stringify, parse } = JSON;

  // Strings starting with one of ! " # $ % & ' ( ) * + , - are special in
  // smallcaps; plain strings starting with them are escaped with "!".
  const BANG = 33;
  const DASH = 45;
  const startsSpecial = s => {
    const c = s.charCodeAt(0);
    return c >= BANG && c <= DASH;
  };
  const encodeString = s => (startsSpecial(s) ? `!${s}` : s);

  // errorIds keeps the errorId a received error carried, so passing the
  // error on reproduces it.
  const errorIds = new WeakMap();

  const errorConstructors = new Map(
    [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError, AggregateError]
      .map(C => [C.name, C]),
  );

  const encodeError = err => {
    const encoded = { '#error': encodeString(lib.engineMessage(err)) };
    const errorId = errorIds.get(err);
    if (errorId !== undefined) encoded.errorId = encodeString(errorId);
    encoded.name = encodeString(`${err.name}`);
    return encoded;
  };

  // goja's JSON.parse turns a lone-surrogate escape ("\ud800") into U+FFFD,
  // yet a smallcaps string may hold any UTF-16. A body with such an escape
  // (rare) is parsed again with every string literal swapped for its index,
  // and the literals are unescaped here.
  const surrogateEscape = /\\u[dD][89a-fA-F]/;
  const stringLiteral = /"(?:[^"\\]|\\.)*"/g;
  const stringEscape = /\\(u[0-9a-fA-F]{4}|.)/g;
  const simpleEscapes = freeze({
    __proto__: null, '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t',
  });
  const unescapeLiteral = lit =>
    lit.slice(1, -1).replace(stringEscape, (_, e) =>
      e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : simpleEscapes[e]);

  const parseJSON = text => {
    const tree = parse(text);
    if (text.indexOf('\\u') < 0 || !surrogateEscape.test(text)) return tree;
    const literals = [];
    const skeleton = text.replace(stringLiteral, lit => {
      literals.push(unescapeLiteral(lit));
      return `"${literals.length - 1}"`;
    });
    const restore = x => {
      if (typeof x === 'string') return literals[Number(x)];
      if (typeof x !== 'object' || x === null) return x;
      if (isArray(x)) return x.map(restore);
      const out = {};
      for (const key of objectKeys(x)) {
        defineProperty(out, restore(key), {
          value: restore(x[key]), writable: true, enumerable: true, configurable: true,
        });
      }
      return out;
    };
    return restore(parse(skeleton));
  };

  // The walks below are plain functions over per-call state kept in these
  // variables rather than closures made per call: in goja every closure is
  // an allocated object, and this is the hot path. Each entry point saves
  // and restores the state, so a nested use (a slot conversion that
  // marshals) stays correct.
  let encValToSlot;
  let encSlots;
  let encSlotIndex; // Map val -> index, made on the first slot
  let encStack;
  let decSlotToVal;
  let decSlots;
  let decSlotVals; // Map index -> val, made on the first slot

  const encodeSlot = (prefix, val, iface) => {
    if (encSlotIndex === undefined) encSlotIndex = new Map();
    const seen = encSlotIndex.get(val);
    if (seen !== undefined) return `${prefix}${seen}`;
    const index = encSlots.length;
    encSlots.push(encValToSlot(val));
    encSlotIndex.set(val, index);
    return iface === undefined ? `${prefix}${index}` : `${prefix}${index}.${iface}`;
  };

  const encode = x => {
    switch (typeof x) {
      case 'string':
        return startsSpecial(x) ? `!${x}` : x;
      case 'number':
        if (x !== x) return '#NaN';
        if (x === Infinity) return '#Infinity';
        if (x === -Infinity) return '#-Infinity';
        return x === 0 ? 0 : x; // -0 is sent as 0
      case 'boolean':
        return x;
      case 'undefined':
        return '#undefined';
      case 'bigint':
        return x < 0n ? `${x}` : `+${x}`;
      case 'symbol':
        return `%${nameForPassableSymbol(x)}`;
      default:
        break;
    }
    if (x === null) return null;
    const style = classify(x);
    switch (style) {
      case 'remotable':
        return encodeSlot('$', x, remotables.get(x));
      case 'promise':
        return encodeSlot('&', x, undefined);
      case 'error':
        return encodeError(x);
      default:
        break;
    }
    if (encStack.length > cycleCheckDepth && encStack.includes(x)) {
      throw TypeError(`Pass-by-copy data cannot be cyclic ${inspect(x)}`);
    }
    encStack.push(x);
    let out;
    if (style === 'copyArray') {
      out = [];
      for (let i = 0; i < x.length; i += 1) out.push(encode(x[i]));
    } else if (style === 'copyRecord') {
      const names = ownKeys(x).sort();
      // A null-prototype object takes "__proto__" as a plain key, and its
      // property order (array indices first) is the one endo gets from
      // Object.fromEntries.
      out = create(null);
      for (let i = 0; i < names.length; i += 1) {
        out[encodeString(names[i])] = encode(x[names[i]]);
      }
    } else {
      out = { '#tag': encodeString(x[Symbol.toStringTag]), payload: encode(x.payload) };
    }
    encStack.pop();
    return out;
  };

  const toCapDataWith = (valToSlot, root) => {
    const savedValToSlot = encValToSlot;
    const savedSlots = encSlots;
    const savedSlotIndex = encSlotIndex;
    const savedStack = encStack;
    encValToSlot = valToSlot;
    encSlots = [];
    encSlotIndex = undefined;
    encStack = [];
    try {
      // An error at the root is sent even if it is not frozen: its message
      // matters more than its passability (as in @endo/marshal).
      const tree = isError(root) ? encodeError(root) : encode(root);
      return { body: `#${stringify(tree)}`, slots: encSlots };
    } finally {
      encValToSlot = savedValToSlot;
      encSlots = savedSlots;
      encSlotIndex = savedSlotIndex;
      encStack = savedStack;
    }
  };

  const decodeSlot = (s, kind) => {
    const dot = s.indexOf('.');
    const index = Number(dot < 0 ? s.slice(1) : s.slice(1, dot));
    if (!(Number.isInteger(index) && index >= 0 && index < decSlots.length)) {
      throw TypeError(`slot index out of range: ${s}`);
    }
    if (decSlotVals === undefined) decSlotVals = new Map();
    let val = decSlotVals.get(index);
    if (val === undefined) {
      val = decSlotToVal(decSlots[index], dot < 0 ? undefined : s.slice(dot + 1), kind);
      decSlotVals.set(index, val);
    }
    return val;
  };

  const decodeString = s => {
    if (!startsSpecial(s)) return s;
    switch (s.charAt(0)) {
      case '!':
        return s.slice(1);
      case '%':
        return passableSymbolForName(s.slice(1));
      case '#':
        switch (s) {
          case '#undefined':
            return undefined;
          case '#NaN':
            return NaN;
          case '#Infinity':
            return Infinity;
          case '#-Infinity':
            return -Infinity;
          default:
            throw TypeError(`unknown constant "${stringify(s)}"`);
        }
      case '+':
      case '-':
        return BigInt(s);
      case '$':
      case '&':
        return decodeSlot(s, s.charAt(0));
      default:
        throw TypeError(`Special char ${stringify(s.charAt(0))} reserved for future use: ${stringify(s)}`);
    }
  };

  const decodeError = x => {
    const { '#error': message, name, errorId, cause, errors, ...rest } = x;
    if ('message' in rest) throw TypeError('unexpected encoded error property "message"');
    const dName = decode(name);
    const dMessage = decode(message);
    if (typeof dName !== 'string') throw TypeError(`invalid error name typeof "${typeof dName}"`);
    if (typeof dMessage !== 'string') throw TypeError(`invalid error message typeof "${typeof dMessage}"`);
    const Ctor = errorConstructors.get(dName) || Error;
    const err = Ctor === AggregateError ? new Ctor([], dMessage) : new Ctor(dMessage);
    if (err.name !== dName) defineProperty(err, 'name', { value: dName });
    if (cause !== undefined) defineProperty(err, 'cause', { value: decode(cause) });
    if (errors !== undefined) defineProperty(err, 'errors', { value: decode(errors) });
    if (errorId !== undefined) {
      const id = decode(errorId);
      if (typeof id !== 'string') throw TypeError(`invalid errorId typeof "${typeof id}"`);
      errorIds.set(err, id);
    }
    return freeze(err);
  };

  // decode turns the fresh tree JSON.parse built into the passable value,
  // in place (no copies), freezing every node: everything a vat receives is
  // hardened.
  const decode = x => {
    switch (typeof x) {
      case 'string':
        return decodeString(x);
      case 'number':
      case 'boolean':
        return x;
      case 'object':
        break;
      default:
        throw TypeError(`internal: unrecognized JSON typeof "${typeof x}": "[${String(x)}]"`);
    }
    if (x === null) return null;
    if (isArray(x)) {
      for (let i = 0; i < x.length; i += 1) {
        const item = x[i];
        if (typeof item === 'object' || (typeof item === 'string' && startsSpecial(item))) {
          x[i] = decode(item);
        }
      }
      return freeze(x);
    }
    if ('#tag' in x) {
      const { '#tag': tag, payload, ...rest } = x;
      if (typeof tag !== 'string') {
        throw TypeError(`Value of "#tag", the tag, must be a string: ${stringify(x)}`);
      }
      const extra = objectKeys(rest);
      if (extra.length > 0) throw TypeError(`#tag record unexpected properties: ${stringify(extra)}`);
      return makeTagged(decode(tag), decode(payload));
    }
    if ('#error' in x) return decodeError(x);
    const names = objectKeys(x);
    for (let i = 0; i < names.length; i += 1) {
      const encodedName = names[i];
      const value = decode(x[encodedName]);
      if (!startsSpecial(encodedName)) {
        x[encodedName] = value; // an own property already: a plain write
        continue;
      }
      if (encodedName.charAt(0) === '#') {
        throw TypeError(`Unrecognized record type ${stringify(encodedName)}: ${stringify(x)}`);
      }
      const name = decodeString(encodedName);
      if (typeof name !== 'string') {
        throw TypeError(`Decoded property name ${inspect(name)} from ${stringify(x)} must be a string`);
      }
      delete x[encodedName];
      // defineProperty, so a name Object.prototype holds ("__proto__")
      // becomes an own data property instead of reaching a setter.
      defineProperty(x, name, { value, writable: true, enumerable: true, configurable: true });
    }
    return freeze(x);
  };

  const fromCapDataWith = (slotToVal, body, slots) => {
    if (typeof body !== 'string' || body.charCodeAt(0) !== 35) {
      throw TypeError(`only smallcaps bodies (starting with "#") are supported: ${inspect(body)}`);
    }
    const tree = parseJSON(body.slice(1));
    const savedSlotToVal = decSlotToVal;
    const savedSlots = decSlots;
    const savedSlotVals = decSlotVals;
    decSlotToVal = slotToVal;
    decSlots = slots;
    decSlotVals = undefined;
    try {
      return decode(tree);
    } finally {
      decSlotToVal = savedSlotToVal;
      decSlots = savedSlots;
      decSlotVals = savedSlotVals;
    }
  };

  // makeMarshal returns toCapData/fromCapData over the given slot
  // conversions: valToSlot(remotableOrPromise) -> slot string and
  // slotToVal(slot, iface, kind) with kind "$" (remotable) or "&" (promise).
  const makeMarshal = (valToSlot, slotToVal) => ({
    toCapData: root => toCapDataWith(valToSlot, root),
    fromCapData: (body, slots) => fromCapDataWith(slotToVal, body, slots),
  });

  lib.makeMarshal = makeMarshal;
});
