// exo.js makes local remotables: makeDefaultExo (the kernel's usual way),
// @endo/exo's makeExo and defineExoClass, and @endo/far's Far/Remotable.
// Interface guards are accepted and ignored for now: no argument checking.
(function exoModule(lib) {
  'use strict';

  const { harden, inspect, remotables, registerRemotable } = lib;
  const { freeze, isFrozen, getOwnPropertyDescriptor, defineProperty, seal } = Object;
  const { ownKeys, apply } = Reflect;

  const checkName = (what, name) => {
    if (typeof name !== 'string') {
      throw TypeError(`${what}: the name must be a string, got ${inspect(name)}`);
    }
  };

  // copyMethods defines every own method of methods on target, refusing
  // anything that is not a function: a remotable's surface is its methods.
  const copyMethods = (what, target, methods, wrap) => {
    for (const key of ownKeys(methods)) {
      const desc = getOwnPropertyDescriptor(methods, key);
      if (!('value' in desc) || typeof desc.value !== 'function') {
        throw TypeError(`${what}: property ${String(key)} is not a method`);
      }
      defineProperty(target, key, {
        value: wrap === undefined ? desc.value : wrap(desc.value),
        writable: false,
        enumerable: typeof key === 'string',
        configurable: false,
      });
    }
  };

  const makeRemotable = (what, iface, methods, wrap) => {
    const exo = {};
    copyMethods(what, exo, methods === undefined ? {} : methods, wrap);
    defineProperty(exo, Symbol.toStringTag, { value: iface });
    return registerRemotable(exo, iface);
  };

  // makeDefaultExo returns a new hardened remotable whose own properties are
  // the given methods; they run with `this` bound to the exo by the caller.
  const makeDefaultExo = (name, methods, _interfaceGuard) => {
    checkName('makeDefaultExo', name);
    return makeRemotable(`makeDefaultExo("${name}")`, `Alleged: ${name}`, methods);
  };

  const makeExo = (tag, _interfaceGuard, methods, _options) => {
    checkName('makeExo', tag);
    return makeRemotable(`makeExo("${tag}")`, `Alleged: ${tag}`, methods);
  };

  // defineExoClass returns a maker; each instance's methods see
  // `this.state` (the sealed result of init) and `this.self`.
  const defineExoClass = (tag, _interfaceGuard, init, methods, _options) => {
    checkName('defineExoClass', tag);
    const makeInstance = (...args) => {
      const state = seal({ ...(init === undefined ? {} : init(...args)) });
      const context = { state, self: undefined };
      const self = makeRemotable(
        `defineExoClass("${tag}")`,
        `Alleged: ${tag}`,
        methods,
        method =>
          function exoMethod(...methodArgs) {
            return apply(method, context, methodArgs);
          },
      );
      context.self = self;
      // Shallow freeze: state stays assignable, as endo's exo state is.
      freeze(context);
      return self;
    };
    return harden(makeInstance);
  };

  // Remotable(iface, props, obj) marks obj itself as a remotable. It must
  // not be frozen yet, so nobody can turn someone else's record into a
  // remotable.
  const Remotable = (iface = 'Remotable', props = undefined, obj = {}) => {
    checkName('Remotable', iface);
    if (props !== undefined) throw TypeError('Remotable: props are not supported');
    if (remotables.has(obj)) throw TypeError(`Remotable: ${inspect(obj)} is already a remotable`);
    if (isFrozen(obj)) throw TypeError(`Remotable: ${inspect(obj)} is already frozen`);
    if (getOwnPropertyDescriptor(obj, Symbol.toStringTag) === undefined) {
      defineProperty(obj, Symbol.toStringTag, { value: iface });
    }
    return registerRemotable(obj, iface);
  };

  const Far = (name, obj = {}) => {
    checkName('Far', name);
    return Remotable(`Alleged: ${name}`, undefined, obj);
  };

  lib.makeDefaultExo = harden(makeDefaultExo);
  lib.makeExo = harden(makeExo);
  lib.defineExoClass = harden(defineExoClass);
  lib.Remotable = harden(Remotable);
  lib.Far = harden(Far);
});
