var __ocapVat = (() => {
  function buildRootObject( {
  return { buildRootObject };
})();
