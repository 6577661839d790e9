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

  const isPrimitive = x => x === null || (typeof x !== 'object' && typeof x !== 'function');

  // makeCounter(start) returns a function giving start+1, start+2, ...
  const makeCounter = (start = 0) => {
    let count = start;
    return () => {
      count += 1;
      return count;
    };
  };

  const stringify = (value, indent = 2) => {
    try {
      return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}` : v), indent);
    } catch (_) {
      return lib.inspect(value);
    }
  };

  // makeModules(E) returns the resolver over every built-in module.
  const makeModules = E => {
    const { Far, Remotable, makeDefaultExo, makeExo, defineExoClass, M } = lib;
    const { passStyleOf, isPassable, makeTagged, getInterfaceOf, makePromiseKit } = lib;
    const makeDefaultInterface = name =>
      M.interface(name, {}, { defaultGuards: 'passable' });

    const table = new Map([
      ['@endo/eventual-send', namespace({ E })],
      ['@endo/far', namespace({ E, Far, Remotable, getInterfaceOf, passStyleOf })],
      ['@metamask/kernel-utils/exo', namespace({ makeDefaultExo, makeDefaultInterface })],
      ['@metamask/kernel-utils', namespace({
        makeDefaultExo,
        makeDefaultInterface,
        makeCounter,
        stringify,
        isPrimitive,
        isTypedArray: lib.isTypedArray,
        EmptyJsonArray: harden([]),
      })],
      ['@endo/exo', namespace({ makeExo, defineExoClass })],
      ['@endo/marshal', namespace({ passStyleOf, isPassable, makeTagged, getInterfaceOf, Far, Remotable })],
      ['@endo/pass-style', namespace({ passStyleOf, isPassable, makeTagged, getInterfaceOf, Far, Remotable })],
      ['@endo/patterns', namespace({ M })],
      ['@endo/promise-kit', namespace({ makePromiseKit })],
      ['@agoric/store', namespace({})],
      ['@metamask/ocap-kernel', namespace({})],
    ]);

    const require = specifier => {
      const ns = table.get(specifier);
      if (ns === undefined) {
        throw Error(`cannot resolve "${String(specifier)}"`);
      }
      return ns;
    };
    return harden(require);
  };

  lib.makeModules = makeModules;
});
