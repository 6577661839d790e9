var __ocapVat = (() => {
  function buildRootObject() {
    return harden({ hello() {} });
  }
  return { buildRootObject };
})();
