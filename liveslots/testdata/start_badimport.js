var __ocapVat = (() => {
  const fs = __ocap_require('node:fs');
  function buildRootObject() {}
  return { buildRootObject };
})();
