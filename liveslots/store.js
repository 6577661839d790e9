// store.js is @agoric/store's heap stores: makeScalarMapStore,
// makeScalarSetStore and their weak forms. Keys are scalars (primitives or
// remotables; only remotables in the weak forms), values passable; both
// are hardened on the way in and checked against the optional keyShape /
// valueShape. Iteration (keys, values, entries) is in rank order and
// answers hardened arrays. A store is a Far object, like @agoric/store's.
// It is compiled and run on first use (lazy.js) and answers the module.
(function storeModule(lib) {
  'use strict';

  const makeStoreModule = () => {
    const { harden, passStyleOf, makeFar } = lib;
    const { patternKit, patternsModule } = lib.getPatternKit();
    const {
      show,
      compareRank,
      scalarProblem,
      matches,
      mustMatch,
      assertPattern,
      makeCopySet,
      makeCopyMap,
      isCopySet,
      isCopyMap,
      getCopySetKeys,
      getCopyMapEntries,
    } = patternKit;
    const { stringify } = JSON;

    const shapesOf = options => {
      const { keyShape = undefined, valueShape = undefined } = options || {};
      if (keyShape !== undefined) assertPattern(harden(keyShape));
      if (valueShape !== undefined) assertPattern(harden(valueShape));
      return { keyShape, valueShape };
    };

    const checkScalarKey = key => {
      harden(key);
      passStyleOf(key);
      const found = scalarProblem(key);
      if (found !== undefined) throw Error(found);
    };

    const checkRemotableKey = (key, which) => {
      harden(key);
      if (passStyleOf(key) !== 'remotable') {
        throw Error(`Only remotables can be keys of scalar ${which}: ${show(key)}`);
      }
    };

    const checkValue = value => {
      harden(value);
      passStyleOf(value);
    };

    const fits = (x, patt) => patt === undefined || matches(x, patt);

    // entriesOf turns addAll's argument (a copyMap or an iterable of
    // [key, value]) into an array of pairs.
    const entriesOf = source => (isCopyMap(source) ? getCopyMapEntries(source) : [...source]);
    const elementsOf = source => (isCopySet(source) ? getCopySetKeys(source) : [...source]);

    const sorted = iterable => [...iterable].sort(compareRank);

    const makeScalarMapStore = (tag = 'key', options = undefined) => {
      const { keyShape, valueShape } = shapesOf(options);
      const map = new Map();
      const name = stringify(String(tag));
      const notFound = key => Error(`${name} not found: ${show(key)}`);
      const checkEntry = (key, value) => {
        checkScalarKey(key);
        if (keyShape !== undefined) mustMatch(key, keyShape, 'mapStore key');
        checkValue(value);
        if (valueShape !== undefined) mustMatch(value, valueShape, 'mapStore value');
      };
      const selectedKeys = (keyPatt, valuePatt) =>
        sorted(map.keys()).filter(k => fits(k, keyPatt) && fits(map.get(k), valuePatt));
      const store = {
        has: key => map.has(key),
        get: key => {
          if (!map.has(key)) throw notFound(key);
          return map.get(key);
        },
        init: (key, value) => {
          if (map.has(key)) throw Error(`${name} already registered: ${show(key)}`);
          checkEntry(key, value);
          map.set(key, value);
        },
        set: (key, value) => {
          if (!map.has(key)) throw notFound(key);
          checkValue(value);
          if (valueShape !== undefined) mustMatch(value, valueShape, 'mapStore value');
          map.set(key, value);
        },
        delete: key => {
          if (!map.has(key)) throw notFound(key);
          map.delete(key);
        },
        addAll: source => {
          for (const [key, value] of entriesOf(source)) {
            checkEntry(key, value);
            map.set(key, value);
          }
        },
        keys: (keyPatt = undefined, valuePatt = undefined) => harden(selectedKeys(keyPatt, valuePatt)),
        values: (keyPatt = undefined, valuePatt = undefined) =>
          harden(selectedKeys(keyPatt, valuePatt).map(k => map.get(k))),
        entries: (keyPatt = undefined, valuePatt = undefined) =>
          harden(selectedKeys(keyPatt, valuePatt).map(k => [k, map.get(k)])),
        getSize: (keyPatt = undefined, valuePatt = undefined) =>
          keyPatt === undefined && valuePatt === undefined ? map.size : selectedKeys(keyPatt, valuePatt).length,
        clear: (keyPatt = undefined, valuePatt = undefined) => {
          for (const k of selectedKeys(keyPatt, valuePatt)) map.delete(k);
        },
        snapshot: (keyPatt = undefined, valuePatt = undefined) =>
          makeCopyMap(selectedKeys(keyPatt, valuePatt).map(k => [k, map.get(k)])),
      };
      return makeFar(`scalar MapStore of ${name}`, store);
    };

    const makeScalarSetStore = (tag = 'key', options = undefined) => {
      const { keyShape } = shapesOf(options);
      const set = new Set();
      const name = stringify(String(tag));
      const checkKey = key => {
        checkScalarKey(key);
        if (keyShape !== undefined) mustMatch(key, keyShape, 'setStore key');
      };
      const selected = keyPatt => sorted(set.keys()).filter(k => fits(k, keyPatt));
      const store = {
        has: key => set.has(key),
        add: key => {
          checkKey(key);
          set.add(key);
        },
        delete: key => {
          if (!set.has(key)) throw Error(`${name} not found: ${show(key)}`);
          set.delete(key);
        },
        addAll: source => {
          for (const key of elementsOf(source)) {
            checkKey(key);
            set.add(key);
          }
        },
        keys: (keyPatt = undefined) => harden(selected(keyPatt)),
        values: (keyPatt = undefined) => harden(selected(keyPatt)),
        getSize: (keyPatt = undefined) => (keyPatt === undefined ? set.size : selected(keyPatt).length),
        clear: (keyPatt = undefined) => {
          for (const k of selected(keyPatt)) set.delete(k);
        },
        snapshot: (keyPatt = undefined) => makeCopySet(selected(keyPatt)),
      };
      return makeFar(`scalar SetStore of ${name}`, store);
    };

    const makeScalarWeakMapStore = (tag = 'key', options = undefined) => {
      const { keyShape, valueShape } = shapesOf(options);
      const map = new WeakMap();
      const name = stringify(String(tag));
      const isObj = key => (typeof key === 'object' && key !== null) || typeof key === 'function';
      const has = key => isObj(key) && map.has(key);
      const notFound = key => Error(`${name} not found: ${show(key)}`);
      const checkValueShape = value => {
        checkValue(value);
        if (valueShape !== undefined) mustMatch(value, valueShape, 'weakMapStore value');
      };
      const checkEntry = (key, value) => {
        checkRemotableKey(key, 'WeakMapStores');
        if (keyShape !== undefined) mustMatch(key, keyShape, 'weakMapStore key');
        checkValueShape(value);
      };
      const store = {
        has,
        get: key => {
          if (!has(key)) throw notFound(key);
          return map.get(key);
        },
        init: (key, value) => {
          if (has(key)) throw Error(`${name} already registered: ${show(key)}`);
          checkEntry(key, value);
          map.set(key, value);
        },
        set: (key, value) => {
          if (!has(key)) throw notFound(key);
          checkValueShape(value);
          map.set(key, value);
        },
        delete: key => {
          if (!has(key)) throw notFound(key);
          map.delete(key);
        },
        addAll: source => {
          for (const [key, value] of entriesOf(source)) {
            checkEntry(key, value);
            map.set(key, value);
          }
        },
      };
      return makeFar(`scalar WeakMapStore of ${name}`, store);
    };

    const makeScalarWeakSetStore = (tag = 'key', options = undefined) => {
      const { keyShape } = shapesOf(options);
      const set = new WeakSet();
      const name = stringify(String(tag));
      const isObj = key => (typeof key === 'object' && key !== null) || typeof key === 'function';
      const has = key => isObj(key) && set.has(key);
      const checkKey = key => {
        checkRemotableKey(key, 'WeakStores');
        if (keyShape !== undefined) mustMatch(key, keyShape, 'weakSetStore key');
      };
      const store = {
        has,
        add: key => {
          checkKey(key);
          set.add(key);
        },
        delete: key => {
          if (!has(key)) throw Error(`${name} not found: ${show(key)}`);
          set.delete(key);
        },
        addAll: source => {
          for (const key of elementsOf(source)) {
            checkKey(key);
            set.add(key);
          }
        },
      };
      return makeFar(`scalar WeakSetStore of ${name}`, store);
    };

    // provideLazy answers the store's value for key, making and storing it
    // with makeValue(key) the first time.
    const provideLazy = (mapStore, key, makeValue) => {
      if (!mapStore.has(key)) mapStore.init(key, makeValue(key));
      return mapStore.get(key);
    };

    return harden({
      ...patternsModule,
      makeScalarMapStore,
      makeScalarSetStore,
      makeScalarWeakMapStore,
      makeScalarWeakSetStore,
      provideLazy,
    });
  };

  return makeStoreModule();
});
