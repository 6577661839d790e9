var __ocapVat = (() => {
  function buildRootObject() {
    throw new TypeError('no root today');
  }
  return { buildRootObject };
})();
