// baggage.js is the vat's durable key-value store. It lives in the
// vatstore under "baggage.<key>", each value the JSON of its smallcaps
// CapData with vref slots; every write becomes a vatstore syscall.
(function baggageModule(lib) {
  'use strict';

  const { harden, inspect, classify, remotables, isPromise } = lib;
  const { keys: objectKeys } = Object;
  const { stringify, parse } = JSON;

  // makeVatstore(host) is the vatstore as the Go side serves it (see
  // vatstore.go): reads from the worker's cache or the kernel, writes as
  // syscalls. nextEntries(prefix, after, limit) answers {entries, more}:
  // up to limit [key, value] pairs whose keys start with prefix and sort
  // after `after`, in key order, and whether more may follow. It is the
  // one way big collections and kinds walk the vatstore.
  const makeVatstore = host => {
    const get = key => host.vatstoreGet(key);
    const nextEntries = (prefix, after, limit) => host.vatstoreNextEntries(prefix, after, limit);
    return {
      get,
      has: key => get(key) !== undefined,
      set: (key, value) => host.vatstoreSet(key, value),
      delete: key => host.vatstoreDelete(key),
      nextEntries,
      keysWithPrefix: prefix => {
        const found = [];
        let after = '';
        for (;;) {
          const { entries, more } = nextEntries(prefix, after, 1000);
          for (const [key] of entries) found.push(key);
          if (!more || entries.length === 0) return found;
          after = entries[entries.length - 1][0];
        }
      },
    };
  };

  // makeStorableChecker(isDurableRemotable) returns check(where, value),
  // which refuses, with where and the reason, anything that would not
  // survive a restart: only data, and remotables isDurableRemotable accepts
  // (other vats' objects, durable objects and stores).
  const makeStorableChecker = isDurableRemotable => {
    const check = (where, value, depth) => {
      const t = typeof value;
      if (t !== 'object' && t !== 'function') {
        if (t === 'symbol') lib.nameForPassableSymbol(value);
        return;
      }
      if (value === null) return;
      if (depth > 100) throw TypeError(`${where}: value is nested too deeply (cyclic?)`);
      if (t === 'function' && !remotables.has(value)) {
        throw TypeError(`${where}: cannot store a function (${inspect(value)})`);
      }
      if (isPromise(value)) throw TypeError(`${where}: cannot store a promise`);
      if (remotables.has(value)) {
        if (isDurableRemotable(value)) return;
        throw TypeError(
          `${where}: cannot store the local object ${inspect(value)}: it is not durable (make it with a durable kind, e.g. prepareExoClass or VatData.defineDurableKind)`,
        );
      }
      let style;
      try {
        style = classify(value);
      } catch (e) {
        throw TypeError(`${where}: ${e.message}`);
      }
      if (style === 'copyArray') {
        for (let i = 0; i < value.length; i += 1) check(where, value[i], depth + 1);
      } else if (style === 'copyRecord') {
        for (const name of objectKeys(value)) check(where, value[name], depth + 1);
      } else if (style === 'tagged') {
        check(where, value.payload, depth + 1);
      } else {
        throw TypeError(`${where}: cannot store a ${style} (${inspect(value)})`);
      }
    };
    return (where, value) => check(where, value, 0);
  };

  // makeBaggage: vatstore as above; marshal encodes with vrefs as slots;
  // checkStorable is a makeStorableChecker's check.
  const makeBaggage = (vatstore, marshal, checkStorable) => {
    const prefix = 'baggage.';
    // Decoded values by key, so get() does not re-parse; a set replaces it.
    const decoded = new Map();

    const checkKey = (method, key) => {
      if (typeof key !== 'string') {
        throw TypeError(`baggage.${method}: keys must be strings, got ${inspect(key)}`);
      }
    };

    const write = (method, key, value) => {
      const where = `baggage.${method}(${stringify(key)})`;
      checkStorable(where, value);
      const { body, slots } = marshal.toCapData(value);
      vatstore.set(prefix + key, stringify({ body, slots }));
      decoded.set(key, value);
    };

    const missing = (method, key) =>
      Error(`baggage.${method}: key ${stringify(key)} not found`);

    const baggage = {
      has: key => {
        checkKey('has', key);
        return vatstore.has(prefix + key);
      },
      init: (key, value) => {
        checkKey('init', key);
        if (vatstore.has(prefix + key)) {
          throw Error(`baggage.init: key ${stringify(key)} already exists`);
        }
        write('init', key, value);
      },
      get: key => {
        checkKey('get', key);
        if (decoded.has(key)) return decoded.get(key);
        const stored = vatstore.get(prefix + key);
        if (stored === undefined) throw missing('get', key);
        const { body, slots } = parse(stored);
        const value = marshal.fromCapData(body, slots);
        decoded.set(key, value);
        return value;
      },
      set: (key, value) => {
        checkKey('set', key);
        if (!vatstore.has(prefix + key)) throw missing('set', key);
        write('set', key, value);
      },
      delete: key => {
        checkKey('delete', key);
        if (!vatstore.has(prefix + key)) throw missing('delete', key);
        vatstore.delete(prefix + key);
        decoded.delete(key);
      },
      keys: () => harden(vatstore.keysWithPrefix(prefix).map(k => k.slice(prefix.length))),
      getSize: () => vatstore.keysWithPrefix(prefix).length,
    };
    baggage.values = () => harden(baggage.keys().map(k => baggage.get(k)));
    baggage.entries = () => harden(baggage.keys().map(k => [k, baggage.get(k)]));
    return harden(baggage);
  };

  lib.makeVatstore = makeVatstore;
  lib.makeBaggage = makeBaggage;
  lib.makeStorableChecker = makeStorableChecker;
});
