// passstyle.js decides what may cross a vat boundary, with @endo/pass-style's
// rules: primitives, registered and well-known symbols, frozen copyArrays and
// copyRecords, tagged values, errors, promises and remotables. Remotable-ness
// and tagged-ness live in WeakMaps private to liveslots, so vat code can
// neither forge nor inspect them except through passStyleOf.
(function passStyleModule(lib) {
  'use strict';

  const { harden, inspect, isTypedArray } = lib;
  const { isFrozen, getPrototypeOf, getOwnPropertyDescriptor, create, defineProperty } =
    Object;
  const { ownKeys } = Reflect;
  const { isArray } = Array;
  const ObjectPrototype = Object.prototype;
  const ArrayPrototype = Array.prototype;
  const PromisePrototype = Promise.prototype;

  // remotable -> interface name ("Alleged: root"), for exos, Far objects and
  // presences alike.
  const remotables = new WeakMap();
  const taggeds = new WeakSet();

  const isPromise = x =>
    typeof x === 'object' && x !== null && getPrototypeOf(x) === PromisePrototype;
  const isError = x => typeof x === 'object' && x !== null && x instanceof Error;

  const wellKnownNames = new Map();
  for (const name of ownKeys(Symbol)) {
    if (typeof name === 'string' && typeof Symbol[name] === 'symbol') {
      wellKnownNames.set(Symbol[name], `@@${name}`);
    }
  }

  // nameForPassableSymbol follows @endo/pass-style: well-known symbols are
  // "@@name" and a registered key that itself starts with "@@" gets another.
  const nameForPassableSymbol = sym => {
    const key = Symbol.keyFor(sym);
    if (key === undefined) {
      const name = wellKnownNames.get(sym);
      if (name === undefined) {
        throw TypeError(
          `Only registered symbols or well-known symbols are passable: ${String(sym)}`,
        );
      }
      return name;
    }
    return key.startsWith('@@') ? `@@${key}` : key;
  };

  const passableSymbolForName = name => {
    if (!name.startsWith('@@')) return Symbol.for(name);
    const suffix = name.slice(2);
    if (suffix.startsWith('@@')) return Symbol.for(suffix);
    const sym = Symbol[suffix];
    if (typeof sym === 'symbol') return sym;
    throw TypeError(`Reserved for well known symbol "${suffix}": "${name}"`);
  };

  const fail = message => {
    throw TypeError(message);
  };

  // classify returns the pass style of one object or function after
  // checking its own shape; the caller walks the children.
  const classify = x => {
    if (remotables.has(x)) return 'remotable';
    if (typeof x === 'function') {
      return fail(
        `Cannot pass functions like ${inspect(x)}; make a remotable with makeDefaultExo() or Far()`,
      );
    }
    if (!isFrozen(x)) {
      return fail(
        isTypedArray(x)
          ? `Cannot pass mutable typed arrays like ${inspect(x)}.`
          : `Cannot pass non-frozen objects like ${inspect(x)}. Use harden()`,
      );
    }
    if (isPromise(x)) return 'promise';
    if (taggeds.has(x)) return 'tagged';
    if (isError(x)) return 'error';
    const proto = getPrototypeOf(x);
    if (isArray(x)) {
      if (proto !== ArrayPrototype) fail(`Cannot pass arrays with a custom prototype: ${inspect(x)}`);
      const keys = ownKeys(x);
      const n = x.length;
      if (keys.length !== n + 1) {
        fail(`Arrays must not have holes or extra properties: ${inspect(x)}`);
      }
      for (let i = 0; i < n; i += 1) {
        const desc = getOwnPropertyDescriptor(x, i);
        if (desc === undefined) fail(`Arrays must not have holes: ${inspect(x)}`);
        if (!('value' in desc)) fail(`Arrays must not have accessors: ${inspect(x)}`);
      }
      return 'copyArray';
    }
    if (proto !== ObjectPrototype && proto !== null) {
      return fail(
        `Cannot pass non-remotable objects with a prototype (class instances, ...) like ${inspect(x)}; make a remotable with makeDefaultExo() or Far()`,
      );
    }
    const keys = ownKeys(x);
    for (let i = 0; i < keys.length; i += 1) {
      const key = keys[i];
      if (typeof key !== 'string') {
        fail(`Records can only have string-named properties: ${inspect(x)} has ${String(key)}`);
      }
      const desc = getOwnPropertyDescriptor(x, key);
      if (!('value' in desc)) fail(`Records must not have accessors: property "${key}" of ${inspect(x)}`);
      if (!desc.enumerable) fail(`Records must not have non-enumerable properties: "${key}" of ${inspect(x)}`);
      if (key === 'then' && typeof desc.value === 'function') fail('Cannot pass non-promise thenables');
    }
    return 'copyRecord';
  };

  // Recursion depth past which the walk starts checking for cycles: a cycle
  // always exceeds it, shallow data never pays for the check.
  const cycleCheckDepth = 40;

  const passStyleOfRecur = (x, stack) => {
    switch (typeof x) {
      case 'undefined':
      case 'boolean':
      case 'number':
      case 'bigint':
      case 'string':
        return typeof x;
      case 'symbol':
        nameForPassableSymbol(x);
        return 'symbol';
      default:
        break;
    }
    if (x === null) return 'null';
    const style = classify(x);
    if (style === 'remotable' || style === 'promise') return style;
    if (stack.length > cycleCheckDepth && stack.includes(x)) {
      fail(`Pass-by-copy data cannot be cyclic ${inspect(x)}`);
    }
    stack.push(x);
    if (style === 'copyArray') {
      for (let i = 0; i < x.length; i += 1) passStyleOfRecur(x[i], stack);
    } else if (style === 'copyRecord') {
      const keys = ownKeys(x);
      for (let i = 0; i < keys.length; i += 1) passStyleOfRecur(x[keys[i]], stack);
    } else if (style === 'tagged') {
      passStyleOfRecur(x.payload, stack);
    }
    stack.pop();
    return style;
  };

  const passStyleOf = x => passStyleOfRecur(x, []);

  const isPassable = x => {
    try {
      passStyleOf(x);
      return true;
    } catch (_) {
      return false;
    }
  };

  // makeTagged builds the tagged value @endo/pass-style describes: an
  // object whose toStringTag is the tag and whose only data is `payload`.
  const makeTagged = (tag, payload) => {
    if (typeof tag !== 'string') fail(`The tag of a tagged record must be a string: ${inspect(tag)}`);
    passStyleOf(harden(payload));
    const tagged = create(ObjectPrototype);
    defineProperty(tagged, Symbol.toStringTag, { value: tag });
    defineProperty(tagged, 'payload', { value: payload, enumerable: true });
    taggeds.add(tagged);
    return harden(tagged);
  };

  // registerRemotable marks a fresh, not yet frozen object as a remotable
  // with interface iface, then hardens it.
  const registerRemotable = (obj, iface) => {
    remotables.set(obj, iface);
    return harden(obj);
  };

  const getInterfaceOf = x =>
    (typeof x === 'object' && x !== null) || typeof x === 'function'
      ? remotables.get(x)
      : undefined;

  // getTag is a tagged value's tag (its toStringTag).
  const getTag = tagged => tagged[Symbol.toStringTag];

  const assertPassable = x => {
    passStyleOf(x);
  };

  lib.setInspectIface(getInterfaceOf);
  lib.setInspectTagged(x => taggeds.has(x));

  lib.passStyleOf = harden(passStyleOf);
  lib.isPassable = harden(isPassable);
  lib.makeTagged = harden(makeTagged);
  lib.getInterfaceOf = harden(getInterfaceOf);
  lib.getTag = harden(getTag);
  lib.assertPassable = harden(assertPassable);
  lib.isTagged = x => taggeds.has(x);
  lib.classify = classify;
  lib.isPromise = isPromise;
  lib.isError = isError;
  lib.remotables = remotables;
  lib.registerRemotable = registerRemotable;
  lib.nameForPassableSymbol = nameForPassableSymbol;
  lib.passableSymbolForName = passableSymbolForName;
  lib.cycleCheckDepth = cycleCheckDepth;
});
