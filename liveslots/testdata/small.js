// A root with two methods, for exact error texts.
var __ocapVat = (() => {
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils/exo');
  function buildRootObject() {
    return makeDefaultExo('small', {
      zeta() {
        return 'z';
      },
      alpha() {
        return 'a';
      },
    });
  }
  return { buildRootObject };
})();
