// A test vat whose timer callbacks send messages outside any delivery.
var __ocapVat = (() => {
  const { E } = __ocap_require('@endo/eventual-send');
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils/exo');

  function buildRootObject() {
    return makeDefaultExo('root', {
      later(target, ms) {
        setTimeout(() => {
          E(target).tick('from a timer');
        }, ms);
        return 'scheduled';
      },
      evaluate(src) {
        return (0, eval)(src);
      },
    });
  }
  return { buildRootObject };
})();
