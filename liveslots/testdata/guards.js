// A test vat that runs snippets with the built-in modules in scope: run(src)
// evaluates src as the body of an async function of `require`, answering
// its result, or "threw <name>: <message>" when it throws or rejects.
var __ocapVat = (() => {
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils/exo');

  function buildRootObject() {
    return makeDefaultExo('root', {
      async run(src) {
        try {
          // eslint-disable-next-line no-new-func
          const body = Function('require', `return (async () => { ${src} })();`);
          return harden(await body(__ocap_require));
        } catch (e) {
          return `threw ${e.name}: ${e.message}`;
        }
      },
    });
  }
  return { buildRootObject };
})();
