// lockdown.js runs before any other liveslots file and before any vat code.
// It tames the realm's ambient non-determinism (Date, Math.random), removes
// what goja adds beyond the standard library, freezes every intrinsic and
// locks the global bindings, so a vat can neither poison what liveslots relies
// on nor read the clock or entropy without an endowment. It also defines
// harden, which every other file uses.
(function lockdownModule(lib) {
  'use strict';

  const {
    freeze,
    getPrototypeOf,
    getOwnPropertyDescriptor,
    defineProperty,
    preventExtensions,
  } = Object;
  const { ownKeys, apply, construct } = Reflect;

  const isObjectLike = x =>
    (typeof x === 'object' && x !== null) || typeof x === 'function';

  // Typed arrays cannot be frozen while they have elements; like SES we
  // only stop them growing, and passStyleOf refuses them as mutable.
  const typedArrayTagGetter = getOwnPropertyDescriptor(
    getPrototypeOf(Uint8Array.prototype),
    Symbol.toStringTag,
  ).get;
  const isTypedArray = x => apply(typedArrayTagGetter, x, []) !== undefined;

  // Every object harden has finished with, the intrinsics included once
  // lockdown has run.
  const hardened = new WeakSet();

  // harden freezes x, everything reachable from its own properties
  // (including accessors and symbol-named ones) and its prototype chain. The
  // walk stops at anything already hardened, which includes every intrinsic
  // after lockdown, so it never re-walks the standard library.
  const harden = root => {
    if (!isObjectLike(root) || hardened.has(root)) {
      return root;
    }
    const todo = [root];
    while (todo.length > 0) {
      const obj = todo.pop();
      if (hardened.has(obj)) {
        continue;
      }
      if (isTypedArray(obj)) {
        preventExtensions(obj);
      } else {
        freeze(obj);
      }
      hardened.add(obj);
      const proto = getPrototypeOf(obj);
      if (proto !== null && !hardened.has(proto)) {
        todo.push(proto);
      }
      const keys = ownKeys(obj);
      for (let i = 0; i < keys.length; i += 1) {
        const desc = getOwnPropertyDescriptor(obj, keys[i]);
        if ('value' in desc) {
          if (isObjectLike(desc.value)) {
            todo.push(desc.value);
          }
        } else {
          if (desc.get !== undefined) todo.push(desc.get);
          if (desc.set !== undefined) todo.push(desc.set);
        }
      }
    }
    return root;
  };

  // The ECMAScript globals a vat may see. Anything else goja puts on the
  // global object (GoError today) is a host addition and is removed.
  const standardGlobals = [
    'globalThis', 'Infinity', 'NaN', 'undefined',
    'eval', 'isFinite', 'isNaN', 'parseFloat', 'parseInt',
    'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent',
    'escape', 'unescape',
    'Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol',
    'BigInt', 'Date', 'RegExp', 'Promise', 'Proxy', 'Reflect', 'JSON', 'Math',
    'Map', 'Set', 'WeakMap', 'WeakSet',
    'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError',
    'SyntaxError', 'TypeError', 'URIError',
    'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray',
    'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array',
    'Float64Array', 'BigInt64Array', 'BigUint64Array',
  ];
  // Endowments replace Date and Math per vat, and liveslots gives vat code
  // WeakMap and WeakSet that do not reveal garbage collection
  // (weakcollections.js), so their bindings stay configurable. Liveslots
  // reads none of them at call time, except that the weak stores of
  // store.js get the vat's WeakMap and WeakSet.
  const replaceableGlobals = ['Date', 'Math', 'WeakMap', 'WeakSet'];

  const removeHostGlobals = () => {
    const allowed = new Set(standardGlobals);
    for (const name of ownKeys(globalThis)) {
      if (typeof name === 'string' && !allowed.has(name)) {
        if (!delete globalThis[name]) {
          throw TypeError(`lockdown: cannot remove host global ${name}`);
        }
      }
    }
  };

  const tameDate = () => {
    const message =
      'secure mode: Date.now() is not available (ask for the "Date" global)';
    const RealDate = Date;
    // Only the clock reads go: a Date built from a given time and the
    // static helpers stay.
    const TamedDate = function Date(...args) {
      if (new.target === undefined || args.length === 0) {
        throw TypeError(message);
      }
      return construct(RealDate, args, new.target);
    };
    defineProperty(TamedDate, 'prototype', {
      value: RealDate.prototype,
      writable: false,
    });
    defineProperty(TamedDate, 'length', { value: 7 });
    for (const name of ['UTC', 'parse']) {
      defineProperty(TamedDate, name, {
        value: RealDate[name],
        writable: true,
        configurable: true,
      });
    }
    defineProperty(TamedDate, 'now', {
      value: function now() {
        throw TypeError(message);
      },
      writable: true,
      configurable: true,
    });
    defineProperty(RealDate.prototype, 'constructor', { value: TamedDate });
    defineProperty(globalThis, 'Date', { value: TamedDate });
  };

  const tameMath = () => {
    defineProperty(Math, 'random', {
      value: function random() {
        throw TypeError(
          'secure mode: Math.random() is not available (ask for the "Math" global)',
        );
      },
    });
  };

  // A promise resolved to another promise settles only when that one does,
  // so promises resolved to each other never settle. goja keeps that link
  // to itself; liveslots needs it to tell a kernel-visible promise caught in
  // such a cycle (see vrefs.js). The global Promise therefore records, for
  // the promises it makes (makePromiseKit's too), the promise each one was
  // resolved to. Its prototype and instances are the intrinsic's and its
  // statics act as the intrinsic's; Promise.prototype.constructor stays the
  // intrinsic, so that await, then() and Promise.resolve keep their fast
  // paths (so vat code sees p.constructor !== Promise).
  const promiseLinks = new WeakMap();
  const linkPromise = (promise, target) => {
    promiseLinks.set(promise, target);
  };
  // Told of each resolution the global Promise records: it may close a
  // cycle.
  let onPromiseLink = () => {};
  const linkResolution = (promise, target) => {
    linkPromise(promise, target);
    onPromiseLink();
  };

  const trackPromiseResolution = () => {
    const RealPromise = Promise;
    const PromisePrototype = RealPromise.prototype;
    // Only a plain promise is followed with the intrinsic then, which makes
    // the link exact; a subclass may override then.
    const isPlainPromise = x => isObjectLike(x) && getPrototypeOf(x) === PromisePrototype;
    const TrackedPromise = function Promise(executor) {
      if (new.target === undefined) {
        throw TypeError("Constructor Promise requires 'new'");
      }
      if (typeof executor !== 'function') {
        return construct(RealPromise, [executor], new.target);
      }
      let promise;
      let settled = false; // a first resolve or reject was made
      let early; // resolved to this before construct returned
      const trackingExecutor = (resolve, reject) => {
        try {
          apply(executor, undefined, [
            value => {
              if (!settled) {
                settled = true;
                if (isPlainPromise(value)) {
                  if (promise === undefined) early = value;
                  else if (value !== promise) linkResolution(promise, value);
                }
              }
              return resolve(value);
            },
            reason => {
              settled = true;
              return reject(reason);
            },
          ]);
        } catch (e) {
          settled = true;
          throw e;
        }
      };
      promise = construct(RealPromise, [trackingExecutor], new.target);
      if (early !== undefined && early !== promise) linkResolution(promise, early);
      return promise;
    };
    defineProperty(TrackedPromise, 'prototype', {
      value: PromisePrototype,
      writable: false,
    });
    defineProperty(TrackedPromise, 'length', { value: 1 });
    for (const key of ownKeys(RealPromise)) {
      if (key === 'prototype' || key === 'length' || key === 'name') continue;
      const desc = getOwnPropertyDescriptor(RealPromise, key);
      if (typeof desc.value === 'function') {
        // Called on Promise, the statics act as the intrinsic's, so that
        // Promise.resolve(p) is p.
        const method = desc.value;
        const name = String(key);
        desc.value = {
          [name](...args) {
            return apply(method, this === TrackedPromise ? RealPromise : this, args);
          },
        }[name];
      }
      defineProperty(TrackedPromise, key, desc);
    }
    defineProperty(globalThis, 'Promise', { value: TrackedPromise });
  };

  // goja has no Symbol.asyncIterator; other realms send it as
  // "%@@asyncIterator", so it must exist to be decoded and passed on.
  const addMissingWellKnownSymbols = () => {
    if (typeof Symbol.asyncIterator !== 'symbol') {
      defineProperty(Symbol, 'asyncIterator', {
        value: Symbol('Symbol.asyncIterator'),
      });
    }
  };

  // Freezing a prototype makes ordinary assignment of an inherited name
  // throw (`err.name = 'X'` when Error.prototype.name is frozen). As SES
  // does, the commonly assigned ones become accessors whose setter defines
  // the property on the instance instead.
  const overrideGetters = new WeakSet();
  const enableOverride = (obj, name) => {
    const desc = getOwnPropertyDescriptor(obj, name);
    if (desc === undefined || !('value' in desc)) {
      return;
    }
    const { value } = desc;
    const getter = function getter() {
      return value;
    };
    const setter = function setter(newValue) {
      if (this === obj) {
        throw TypeError(`Cannot assign to read only property '${String(name)}'`);
      }
      defineProperty(this, name, {
        value: newValue,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    };
    overrideGetters.add(getter);
    defineProperty(obj, name, {
      get: getter,
      set: setter,
      enumerable: desc.enumerable,
      configurable: false,
    });
  };

  const enableOverrides = () => {
    const objectNames = [
      'constructor', 'toString', 'valueOf', 'toLocaleString',
      'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable',
    ];
    for (const name of objectNames) enableOverride(Object.prototype, name);
    for (const name of ['constructor', 'name', 'toString']) {
      enableOverride(Function.prototype, name);
    }
    for (const name of ['toString', 'push']) {
      enableOverride(Array.prototype, name);
    }
    const errors = [
      Error, AggregateError, EvalError, RangeError, ReferenceError,
      SyntaxError, TypeError, URIError,
    ];
    for (const E of errors) {
      for (const name of ['constructor', 'name', 'message', 'toString']) {
        enableOverride(E.prototype, name);
      }
    }
  };

  // Intrinsics no global property leads to.
  const hiddenIntrinsics = () => [
    getPrototypeOf(async function () {}),
    getPrototypeOf(function* () {}),
    getPrototypeOf((function* () {})()),
    getPrototypeOf([][Symbol.iterator]()),
    getPrototypeOf(new Map()[Symbol.iterator]()),
    getPrototypeOf(new Set()[Symbol.iterator]()),
    getPrototypeOf(''[Symbol.iterator]()),
    getPrototypeOf(/x/[Symbol.matchAll]('x')),
    getOwnPropertyDescriptor(
      (function () {
        return arguments;
      })(),
      'callee',
    ).get,
  ];

  // harden of every intrinsic, walked in Go (lockdown.go), which is
  // several times faster.
  const freezeIntrinsics = () => {
    const roots = hiddenIntrinsics();
    for (const name of ownKeys(globalThis)) {
      if (name !== 'globalThis') roots.push(globalThis[name]);
    }
    lib.hardenIntrinsics(roots, hardened);
  };

  // Liveslots code names intrinsics through the global object at call
  // time, so the bindings must be as immutable as the intrinsics.
  const lockGlobalBindings = () => {
    for (const name of standardGlobals) {
      if (!replaceableGlobals.includes(name)) {
        defineProperty(globalThis, name, { writable: false, configurable: false });
      }
    }
  };

  removeHostGlobals();
  tameDate();
  tameMath();
  trackPromiseResolution();
  addMissingWellKnownSymbols();
  enableOverrides();
  freezeIntrinsics();
  lockGlobalBindings();

  // defineGlobal adds a locked, non-enumerable global (harden, console).
  const defineGlobal = (name, value) => {
    defineProperty(globalThis, name, {
      value,
      writable: false,
      enumerable: false,
      configurable: false,
    });
  };

  lib.harden = harden(harden);
  lib.isTypedArray = isTypedArray;
  lib.defineGlobal = defineGlobal;
  // isOverrideGetter tells inspect which accessors are safe to call.
  lib.isOverrideGetter = fn => overrideGetters.has(fn);
  // The promise links: what a promise was resolved to; recording one more
  // (a promise that cannot settle before another, which closes no cycle by
  // itself); and setting the hook told of each resolution.
  lib.promiseLink = p => promiseLinks.get(p);
  lib.linkPromise = linkPromise;
  lib.onPromiseLink = fn => {
    onPromiseLink = fn;
  };
});
