// A bundle-shaped test vat whose code spins where a test asks it to: in
// buildRootObject (parameters {spinAtStart: true}), in a method, or in a
// timer callback between deliveries. It logs "spin starts" just before.
var __ocapVat = (() => {
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils/exo');

  const spin = () => {
    console.log('spin starts');
    for (;;) {}
  };

  function buildRootObject(vatPowers, parameters) {
    if (parameters && parameters.spinAtStart) {
      spin();
    }
    return makeDefaultExo('root', {
      hello() {
        return 'hello';
      },
      spin,
      spinLater() {
        setTimeout(spin, 0);
        return 'scheduled';
      },
    });
  }
  return { buildRootObject };
})();
