var __ocapVat = (() => {
  function buildRootObject() {
    return new Promise(() => {});
  }
  return { buildRootObject };
})();
