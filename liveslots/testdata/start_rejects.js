var __ocapVat = (() => {
  async function buildRootObject() {
    await null;
    throw new RangeError('later, no root');
  }
  return { buildRootObject };
})();
