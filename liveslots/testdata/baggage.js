// A test vat keeping a counter and arbitrary entries in baggage.
var __ocapVat = (() => {
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils/exo');

  function buildRootObject(_vatPowers, _parameters, baggage) {
    let counter;
    if (baggage.has('counter')) {
      counter = baggage.get('counter');
    } else {
      counter = 0;
      baggage.init('counter', counter);
    }
    const local = makeDefaultExo('local', {});
    const bad = {
      fn: () => 1,
      unhardened: { a: 1 },
      shallow: Object.freeze({ a: { b: 1 } }),
      promise: harden(new Promise(() => {})),
      local,
      error: harden(new Error('x')),
    };
    return makeDefaultExo('root', {
      increment() {
        counter += 1;
        baggage.set('counter', counter);
        return counter;
      },
      init(key, value) {
        baggage.init(key, value);
        return baggage.get(key);
      },
      get(key) {
        return baggage.get(key);
      },
      set(key, value) {
        baggage.set(key, value);
      },
      has(key) {
        return baggage.has(key);
      },
      delete(key) {
        baggage.delete(key);
      },
      keys() {
        return baggage.keys();
      },
      storeBad(kind) {
        baggage.init('bad', bad[kind]);
      },
      makeLocal() {
        return makeDefaultExo('fresh', {});
      },
      same(key, value) {
        return baggage.get(key) === value;
      },
    });
  }
  return { buildRootObject };
})();
