// modules.js lists the built-in modules a bundle's __ocap_require can
// name. Namespaces are frozen null-prototype objects, like real module
// namespaces; anything not listed fails to resolve.
(function modulesModule(lib) {
  'use strict';

  const { harden } = lib;
  const { create, defineProperty, keys } = Object;

  const namespace = exports => {
    const ns = create(null);
    for (const name of keys(exports)) {
      defineProperty(ns, name, { value: exports[name], enumerable: true });
    }
    defineProperty(ns, Symbol.toStringTag, { value: 'Module' });
    return harden(ns);
  };

  // makeModules(E, getVatData, loggerModule) returns the resolver over
  // every built-in module. Each namespace is made the first time a bundle
  // requires it; getVatData gives the vat's VatData once its vatstore is
  // there.
  const makeModules = (E, getVatData, loggerModule) => {
    const { Far, Remotable, makeDefaultExo, makeDefaultInterface, makeExo, defineExoClass } = lib;
    const { defineExoClassKit, initEmpty, GET_INTERFACE_GUARD } = lib;
    const { passStyleOf, isPassable, assertPassable, makeTagged, getTag, getInterfaceOf } = lib;
    const { makePromiseKit, errorsModule } = lib;
    const passStyle = () =>
      namespace({
        passStyleOf,
        isPassable,
        assertPassable,
        makeTagged,
        getTag,
        getInterfaceOf,
        Far,
        Remotable,
      });

    const makers = new Map([
      ['@endo/eventual-send', () => namespace({ E })],
      ['@endo/far', () => namespace({ E, Far, Remotable, getInterfaceOf, passStyleOf })],
      ['@metamask/kernel-utils/exo', () => namespace({ makeDefaultExo, makeDefaultInterface })],
      // The JavaScript kernel's own packages, as its vats import them.
      ['@metamask/kernel-utils', () => namespace(kernelUtils().main)],
      ['@metamask/kernel-utils/discoverable', () => namespace(kernelUtils().discoverable)],
      ['@metamask/logger', () => namespace(loggerModule)],
      ['@endo/exo', () =>
        namespace({ makeExo, defineExoClass, defineExoClassKit, initEmpty, GET_INTERFACE_GUARD })],
      ['@endo/marshal', passStyle],
      ['@endo/pass-style', passStyle],
      ['@endo/patterns', () => namespace(lib.getPatternKit().patternsModule)],
      ['@endo/promise-kit', () => namespace({ makePromiseKit })],
      ['@endo/errors', () => namespace(errorsModule)],
      ['@agoric/store', () => namespace(lib.getStoreModule())],
      ['@metamask/ocap-kernel', () => namespace({})],
      ['@agoric/vat-data', () => namespace(lib.vatDataModule(getVatData()))],
    ]);
    const made = new Map();
    let utils;
    const kernelUtils = () => {
      if (utils === undefined) utils = lib.makeKernelUtils();
      return utils;
    };

    const require = specifier => {
      let ns = made.get(specifier);
      if (ns !== undefined) return ns;
      const make = makers.get(specifier);
      if (make === undefined) {
        // A require the bundler left for run time (a dynamic one, or one
        // inside try that did not resolve).
        throw Error(
          `cannot resolve "${String(specifier)}": a vat can require only the worker's built-in modules (${[
            ...makers.keys(),
          ].join(', ')}), never Node.js built-ins`,
        );
      }
      ns = make();
      made.set(specifier, ns);
      return ns;
    };
    return harden(require);
  };

  lib.makeModules = makeModules;
});
