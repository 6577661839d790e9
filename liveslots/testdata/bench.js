// The benchmark vat: ping answers at once; count also updates baggage;
// relay sends to another vat and answers once that send is resolved.
var __ocapVat = (() => {
  const { E } = __ocap_require('@endo/eventual-send');
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils/exo');

  function buildRootObject(_vatPowers, _parameters, baggage) {
    if (!baggage.has('count')) baggage.init('count', 0);
    return makeDefaultExo('root', {
      ping(i) {
        return i;
      },
      count(i) {
        baggage.set('count', baggage.get('count') + 1);
        return i;
      },
      async relay(target, i) {
        const n = await E(target).ping(i);
        return n + 1;
      },
    });
  }
  return { buildRootObject };
})();
