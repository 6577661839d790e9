// baggage.js is the vat's durable key-value store (first cut). It lives in
// the vatstore under "baggage.<key>", each value the JSON of its smallcaps
// CapData with vref slots. The StartVat snapshot is the read cache; every
// write updates it and becomes a vatstore syscall.
(function baggageModule(lib) {
  'use strict';

  const { harden, inspect, classify, remotables, isPromise } = lib;
  const { keys: objectKeys } = Object;
  const { stringify, parse } = JSON;

  // makeVatstore wraps the snapshot (a Map) with write-through syscalls.
  const makeVatstore = (entries, syscall) => ({
    get: key => entries.get(key),
    has: key => entries.has(key),
    set: (key, value) => {
      entries.set(key, value);
      syscall.vatstoreSet(key, value);
    },
    delete: key => {
      entries.delete(key);
      syscall.vatstoreDelete(key);
    },
    keysWithPrefix: prefix => {
      const found = [];
      for (const key of entries.keys()) {
        if (key.startsWith(prefix)) found.push(key);
      }
      return found.sort();
    },
  });

  // makeBaggage: vatstore as above; marshal encodes with vrefs as slots;
  // vrefOfPresence(x) gives an imported object's o-N or undefined.
  const makeBaggage = (vatstore, marshal, vrefOfPresence) => {
    const prefix = 'baggage.';
    // Decoded values by key, so get() does not re-parse; a set replaces it.
    const decoded = new Map();

    // checkStorable refuses, with the key and the reason, anything that
    // would not survive a restart: only data and references to other
    // vats' objects do.
    const checkStorable = (where, value, depth) => {
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
        if (vrefOfPresence(value) !== undefined) return;
        throw TypeError(
          `${where}: cannot store the local object ${inspect(value)}: only data and references to other vats' objects are durable yet`,
        );
      }
      let style;
      try {
        style = classify(value);
      } catch (e) {
        throw TypeError(`${where}: ${e.message}`);
      }
      if (style === 'copyArray') {
        for (let i = 0; i < value.length; i += 1) checkStorable(where, value[i], depth + 1);
      } else if (style === 'copyRecord') {
        for (const name of objectKeys(value)) checkStorable(where, value[name], depth + 1);
      } else {
        throw TypeError(`${where}: cannot store a ${style} (${inspect(value)})`);
      }
    };

    const checkKey = (method, key) => {
      if (typeof key !== 'string') {
        throw TypeError(`baggage.${method}: keys must be strings, got ${inspect(key)}`);
      }
    };

    const write = (method, key, value) => {
      const where = `baggage.${method}(${stringify(key)})`;
      checkStorable(where, value, 0);
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
});
