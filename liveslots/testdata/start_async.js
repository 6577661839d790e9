// buildRootObject may return a promise for the root.
var __ocapVat = (() => {
  const { Far } = __ocap_require('@endo/far');
  async function buildRootObject() {
    await null;
    return Far('late root', { hi: () => 'hi' });
  }
  return { buildRootObject };
})();
