// collections.js is the big stores of VatData: scalar map, set, weak map
// and weak set stores whose entries live in the vatstore, read when asked
// for, so a store may hold far more than the heap would. A durable store
// outlives the incarnation (it may sit in baggage or in durable state); a
// virtual one lasts one incarnation.
//
// A store is an object of vref o+d<kind>/<id> (durable) or o+v<kind>/<id>,
// kinds 2-5 virtual map, weak map, set, weak set, 6-9 their durable forms,
// as in SwingSet. Vatstore keys of store <id>:
//
//	vc.<id>.<encodedKey>   an entry: JSON of the value's CapData ("" in sets)
//	vc.<id>.|meta          JSON {label, kindID, keyShape, valueShape}
//	vc.<id>.|entryCount    the number of entries
//	vc.<id>.|nextOrdinal   the next remotable ordinal
//	vc.<id>.|<vref>        the ordinal of a remotable key
//	vom.nextCollectionID   the next <id>
//
// Encoded keys sort as the keys do: b<boolean>, f<number as 16 hex digits
// of its order-preserving bits>, n/p<bigint>, r<ordinal>:<vref>,
// s<string>, v (null), z (undefined); remotables in the order they were
// first used as keys of the store.
(function collectionsModule(lib) {
  'use strict';

  const { harden, inspect, passStyleOf, registerRemotable } = lib;
  const { defineProperty } = Object;
  const { stringify, parse } = JSON;

  const kindIDs = {
    mapStore: 2,
    weakMapStore: 3,
    setStore: 4,
    weakSetStore: 5,
  };
  const durableOffset = 4;
  const kindNames = ['mapStore', 'weakMapStore', 'setStore', 'weakSetStore'];
  const batchSize = 200;

  // ---- key encoding ----

  const hex8 = n => n.toString(16).padStart(8, '0');
  const encodeNumber = n => {
    if (Number.isNaN(n)) return 'fffffffffffffffff';
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, n === 0 ? 0 : n);
    let hi = view.getUint32(0);
    let lo = view.getUint32(4);
    if (hi & 0x80000000) {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
    } else {
      hi = (hi | 0x80000000) >>> 0;
    }
    return `f${hex8(hi)}${hex8(lo)}`;
  };
  const decodeNumber = s => {
    let hi = parseInt(s.slice(1, 9), 16);
    let lo = parseInt(s.slice(9, 17), 16);
    if (hi & 0x80000000) {
      hi = (hi & 0x7fffffff) >>> 0;
    } else {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
    }
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, hi);
    view.setUint32(4, lo);
    return view.getFloat64(0);
  };
  const encodeBigint = n => {
    if (n >= 0n) {
      const digits = String(n);
      return `p${String(digits.length).padStart(8, '0')}:${digits}`;
    }
    const digits = String(-n);
    const complement = [...digits].map(d => String(9 - Number(d))).join('');
    return `n${String(1e8 - digits.length).padStart(8, '0')}:${complement}`;
  };
  const decodeBigint = s => {
    const digits = s.slice(10);
    if (s.charAt(0) === 'p') return BigInt(digits);
    return -BigInt([...digits].map(d => String(9 - Number(d))).join(''));
  };

  const makeCollectionManager = ({ vatstore, vrefs, checkDurable, checkVirtual }) => {
    const { marshal } = vrefs;
    const pk = () => lib.getPatternKit().patternKit;

    let nextCollectionID;
    const allocateCollectionID = () => {
      if (nextCollectionID === undefined) {
        const s = vatstore.get('vom.nextCollectionID');
        nextCollectionID = s === undefined ? 1 : Number(s);
      }
      const id = nextCollectionID;
      nextCollectionID += 1;
      vatstore.set('vom.nextCollectionID', String(nextCollectionID));
      return id;
    };

    const encodeValue = value => stringify(marshal.toCapData(value));
    const decodeValue = s => {
      const { body, slots } = parse(s);
      return marshal.fromCapData(body, slots);
    };

    const stores = new Map(); // vref -> store object

    // makeStore builds the store object for collection id of kind kindName.
    const makeStore = (id, kindName, durable, meta) => {
      const kindID = kindIDs[kindName] + (durable ? durableOffset : 0);
      const vref = `o+${durable ? 'd' : 'v'}${kindID}/${id}`;
      const prefix = `vc.${id}.`;
      const isMap = kindName === 'mapStore' || kindName === 'weakMapStore';
      const isWeak = kindName === 'weakMapStore' || kindName === 'weakSetStore';
      const label = stringify(meta.label);
      const shapeOf = capdata => (capdata === undefined ? undefined : marshal.fromCapData(capdata.body, capdata.slots));
      const keyShape = shapeOf(meta.keyShape);
      const valueShape = shapeOf(meta.valueShape);
      const checkStorable = durable ? checkDurable : checkVirtual;
      const show = x => pk().show(x);

      // encodeKey answers a key's encoding, or undefined for a remotable
      // the store never saw (when assign is false).
      const encodeKey = (key, assign) => {
        const style = passStyleOf(key);
        switch (style) {
          case 'boolean':
            return key ? 'bt' : 'bf';
          case 'number':
            return encodeNumber(key);
          case 'bigint':
            return encodeBigint(key);
          case 'string':
            return `s${key}`;
          case 'null':
            return 'v';
          case 'undefined':
            return 'z';
          case 'remotable': {
            const keyVref = marshal.toCapData(key).slots[0];
            const ordinalKey = `${prefix}|${keyVref}`;
            let ordinal = vatstore.get(ordinalKey);
            if (ordinal === undefined) {
              if (!assign) return undefined;
              const next = vatstore.get(`${prefix}|nextOrdinal`);
              ordinal = next === undefined ? '1' : next;
              vatstore.set(`${prefix}|nextOrdinal`, String(Number(ordinal) + 1));
              vatstore.set(ordinalKey, ordinal);
            }
            return `r${ordinal.padStart(10, '0')}:${keyVref}`;
          }
          default:
            throw TypeError(`${label}: a ${style} cannot be a key of a big store: ${show(key)}`);
        }
      };
      const decodeKey = enc => {
        switch (enc.charAt(0)) {
          case 'b':
            return enc === 'bt';
          case 'f':
            return decodeNumber(enc);
          case 'n':
          case 'p':
            return decodeBigint(enc);
          case 's':
            return enc.slice(1);
          case 'v':
            return null;
          case 'z':
            return undefined;
          case 'r':
            return marshal.fromCapData('#"$0"', [enc.slice(enc.indexOf(':') + 1)]);
          default:
            throw Error(`${label}: malformed key encoding ${stringify(enc)}`);
        }
      };

      const isObj = x => (typeof x === 'object' && x !== null) || typeof x === 'function';
      // lookupKey: the vatstore key of an existing entry's key, or undefined.
      const lookupKey = key => {
        if (isWeak && !isObj(key)) return undefined;
        if (passStyleOf(key) === 'remotable' && vrefs.valToSlot.get(key) === undefined) return undefined;
        let enc;
        try {
          enc = encodeKey(key, false);
        } catch (_) {
          return undefined;
        }
        if (enc === undefined) return undefined;
        const k = prefix + enc;
        return vatstore.has(k) ? k : undefined;
      };

      const checkKey = key => {
        harden(key);
        if (isWeak) {
          if (passStyleOf(key) !== 'remotable') {
            throw Error(`Only remotables can be keys of scalar ${isMap ? 'WeakMapStores' : 'WeakStores'}: ${show(key)}`);
          }
        } else {
          const found = pk().scalarProblem(key);
          if (found !== undefined) throw Error(found);
        }
        if (keyShape !== undefined) pk().mustMatch(key, keyShape, `${kindName} key`);
        checkStorable(`${label} key`, key);
      };
      const checkValue = value => {
        harden(value);
        passStyleOf(value);
        if (valueShape !== undefined) pk().mustMatch(value, valueShape, `${kindName} value`);
        checkStorable(`${label} value`, value);
      };

      const countKey = `${prefix}|entryCount`;
      const count = () => Number(vatstore.get(countKey) || '0');
      const addCount = n => vatstore.set(countKey, String(count() + n));

      const notFound = key => Error(`${label} not found: ${show(key)}`);

      const put = (key, value, isNew) => {
        const k = prefix + encodeKey(key, true);
        vatstore.set(k, isMap ? encodeValue(value) : '');
        if (isNew) addCount(1);
      };

      const remove = k => {
        vatstore.delete(k);
        addCount(-1);
      };

      // entries walks the store in key order, a batch of vatstore entries
      // at a time; entries added or deleted while it walks are seen or not
      // as their keys fall after or before its position.
      function* walk() {
        let after = '';
        for (;;) {
          const { entries, more } = vatstore.nextEntries(prefix, after, batchSize);
          for (const [k, v] of entries) {
            if (k.charAt(prefix.length) === '|') return;
            after = k;
            yield [k, v];
          }
          if (!more || entries.length === 0) return;
        }
      }
      const fits = (x, patt) => patt === undefined || pk().matches(x, patt);
      function* selected(keyPatt, valuePatt) {
        for (const [k, v] of walk()) {
          const key = decodeKey(k.slice(prefix.length));
          if (!fits(key, keyPatt)) continue;
          if (valuePatt === undefined) {
            yield [k, key, undefined, v];
            continue;
          }
          const value = decodeValue(v);
          if (fits(value, valuePatt)) yield [k, key, value, v];
        }
      }
      const valueOf = (value, raw) => (value !== undefined || raw === '' ? value : decodeValue(raw));
      const iterable = gen => harden({ [Symbol.iterator]: gen });

      const common = {
        has: key => lookupKey(key) !== undefined,
        delete: key => {
          const k = lookupKey(key);
          if (k === undefined) throw notFound(key);
          remove(k);
        },
      };
      const iteration = {
        keys: (keyPatt = undefined, valuePatt = undefined) =>
          iterable(function* keys() {
            for (const [, key] of selected(keyPatt, valuePatt)) yield key;
          }),
        getSize: (keyPatt = undefined, valuePatt = undefined) => {
          if (keyPatt === undefined && valuePatt === undefined) return count();
          let n = 0;
          for (const _ of selected(keyPatt, valuePatt)) n += 1;
          return n;
        },
        clear: (keyPatt = undefined, valuePatt = undefined) => {
          const doomed = [...selected(keyPatt, valuePatt)].map(e => e[0]);
          for (const k of doomed) remove(k);
        },
      };
      let methods;
      if (isMap) {
        methods = {
          ...common,
          get: key => {
            const k = lookupKey(key);
            if (k === undefined) throw notFound(key);
            return decodeValue(vatstore.get(k));
          },
          init: (key, value) => {
            checkKey(key);
            if (lookupKey(key) !== undefined) throw Error(`${label} already registered: ${show(key)}`);
            checkValue(value);
            put(key, value, true);
          },
          set: (key, value) => {
            if (lookupKey(key) === undefined) throw notFound(key);
            checkValue(value);
            put(key, value, false);
          },
          addAll: source => {
            const pairs = pk().isCopyMap(source) ? pk().getCopyMapEntries(source) : [...source];
            for (const [key, value] of pairs) {
              checkKey(key);
              checkValue(value);
              put(key, value, lookupKey(key) === undefined);
            }
          },
        };
        if (!isWeak) {
          methods = {
            ...methods,
            ...iteration,
            values: (keyPatt = undefined, valuePatt = undefined) =>
              iterable(function* values() {
                for (const [, , value, raw] of selected(keyPatt, valuePatt)) yield valueOf(value, raw);
              }),
            entries: (keyPatt = undefined, valuePatt = undefined) =>
              iterable(function* entries() {
                for (const [, key, value, raw] of selected(keyPatt, valuePatt)) {
                  yield harden([key, valueOf(value, raw)]);
                }
              }),
            snapshot: (keyPatt = undefined, valuePatt = undefined) =>
              pk().makeCopyMap(
                [...selected(keyPatt, valuePatt)].map(([, key, value, raw]) => [key, valueOf(value, raw)]),
              ),
          };
        }
      } else {
        methods = {
          ...common,
          add: key => {
            checkKey(key);
            if (lookupKey(key) === undefined) put(key, undefined, true);
          },
          addAll: source => {
            const keys = pk().isCopySet(source) ? pk().getCopySetKeys(source) : [...source];
            for (const key of keys) {
              checkKey(key);
              if (lookupKey(key) === undefined) put(key, undefined, true);
            }
          },
        };
        if (!isWeak) {
          methods = {
            ...methods,
            ...iteration,
            values: (keyPatt = undefined) => iteration.keys(keyPatt),
            snapshot: (keyPatt = undefined) =>
              pk().makeCopySet([...selected(keyPatt, undefined)].map(e => e[1])),
          };
        }
      }
      const store = {};
      for (const name of Object.keys(methods)) {
        defineProperty(store, name, { value: methods[name], enumerable: true });
      }
      const iface = `Alleged: ${kindName}`;
      defineProperty(store, Symbol.toStringTag, { value: iface });
      registerRemotable(store, iface);
      vrefs.register(vref, store);
      stores.set(vref, store);
      return store;
    };

    const maker = kindName => (label = 'key', options = undefined) => {
      const { durable = false, keyShape, valueShape } = options || {};
      const what = `makeScalarBig${kindName.charAt(0).toUpperCase()}${kindName.slice(1)}`;
      if (keyShape !== undefined) pk().assertPattern(harden(keyShape));
      if (valueShape !== undefined) pk().assertPattern(harden(valueShape));
      const check = durable ? checkDurable : checkVirtual;
      if (keyShape !== undefined) check(`${what}: keyShape`, keyShape);
      if (valueShape !== undefined) check(`${what}: valueShape`, valueShape);
      const id = allocateCollectionID();
      const meta = {
        label: String(label),
        keyShape: keyShape === undefined ? undefined : marshal.toCapData(keyShape),
        valueShape: valueShape === undefined ? undefined : marshal.toCapData(valueShape),
      };
      vatstore.set(`vc.${id}.|meta`, stringify(meta));
      vatstore.set(`vc.${id}.|entryCount`, '0');
      return makeStore(id, kindName, durable, meta);
    };

    // reanimate gives the store of a vref from an earlier incarnation
    // (durable) or crank, or undefined if it is not a store.
    const reanimate = vref => {
      const known = stores.get(vref);
      if (known !== undefined) return known;
      const p = lib.parseVirtualVref(vref);
      if (p === undefined || p.facet !== undefined) return undefined;
      const index = p.kindID - 2 - (p.durable ? durableOffset : 0);
      if (index < 0 || index >= kindNames.length) return undefined;
      const meta = vatstore.get(`vc.${p.id}.|meta`);
      if (meta === undefined) return undefined;
      return makeStore(p.id, kindNames[index], p.durable, parse(meta));
    };

    return {
      makeScalarBigMapStore: harden(maker('mapStore')),
      makeScalarBigWeakMapStore: harden(maker('weakMapStore')),
      makeScalarBigSetStore: harden(maker('setStore')),
      makeScalarBigWeakSetStore: harden(maker('weakSetStore')),
      reanimate,
    };
  };

  lib.makeCollectionManager = makeCollectionManager;
});
