// vatdata.js assembles vatPowers.VatData (vom.js's kinds, collections.js's
// big stores, canBeDurable, watchPromise) and, over it, the namespace of
// @agoric/vat-data: exo classes and kinds prepared through baggage, and the
// provide helpers, with SwingSet's meanings and baggage key names.
(function vatDataModule(lib) {
  'use strict';

  const { harden, remotables, isPromise, inspect } = lib;

  // makeVatData(vom, collections, isDurable) returns VatData; isDurable(x)
  // says whether x may be kept in durable storage.
  const makeVatData = (vom, collections, isDurable) => {
    // watchPromise calls watcher.onFulfilled(value, ...args) or
    // watcher.onRejected(reason, ...args) once p settles. The watch lasts
    // this incarnation: a restarted vat's promises are gone anyway.
    const watchPromise = (p, watcher, ...args) => {
      if (!isPromise(p)) throw TypeError(`watchPromise: ${inspect(p)} is not a promise`);
      if (!remotables.has(watcher)) throw TypeError(`watchPromise: the watcher must be a remotable`);
      p.then(
        value => {
          if (typeof watcher.onFulfilled === 'function') watcher.onFulfilled(value, ...args);
        },
        reason => {
          if (typeof watcher.onRejected === 'function') watcher.onRejected(reason, ...args);
          else throw reason;
        },
      ).catch(e => lib.host.log('warn', '', `watchPromise watcher failed: ${lib.errorText(e)}`));
    };
    const providePromiseWatcher = (kindHandle, fulfillHandler, rejectHandler) => {
      const makeWatcher = vom.defineDurableKind(kindHandle, () => ({}), {
        onFulfilled: (_context, value, ...args) => fulfillHandler && fulfillHandler(value, ...args),
        onRejected: (_context, reason, ...args) => rejectHandler && rejectHandler(reason, ...args),
      });
      return makeWatcher();
    };
    return harden({
      defineKind: vom.defineKind,
      defineKindMulti: vom.defineKindMulti,
      defineDurableKind: vom.defineDurableKind,
      defineDurableKindMulti: vom.defineDurableKindMulti,
      makeKindHandle: vom.makeKindHandle,
      makeScalarBigMapStore: collections.makeScalarBigMapStore,
      makeScalarBigWeakMapStore: collections.makeScalarBigWeakMapStore,
      makeScalarBigSetStore: collections.makeScalarBigSetStore,
      makeScalarBigWeakSetStore: collections.makeScalarBigWeakSetStore,
      canBeDurable: x => isDurable(x),
      watchPromise,
      providePromiseWatcher,
    });
  };

  // vatDataModule is @agoric/vat-data's namespace over VatData.
  const vatDataModule = VatData => {
    const {
      defineKind,
      defineKindMulti,
      defineDurableKind,
      defineDurableKindMulti,
      makeKindHandle,
      makeScalarBigMapStore,
      makeScalarBigWeakMapStore,
      makeScalarBigSetStore,
      makeScalarBigWeakSetStore,
    } = VatData;
    const storeModule = lib.getStoreModule();
    const provide = (baggage, key, makeValue) => storeModule.provideLazy(baggage, key, makeValue);
    const provideDurable = makeStore => (baggage, name, options = {}) =>
      provide(baggage, name, () => makeStore(name, { durable: true, ...options }));
    const provideKindHandle = (baggage, kindName) =>
      provide(baggage, `${kindName}_kindHandle`, () => makeKindHandle(kindName));
    const prepareKind = (baggage, kindName, init, behavior, options = undefined) =>
      defineDurableKind(provideKindHandle(baggage, kindName), init, behavior, options);
    const prepareKindMulti = (baggage, kindName, init, behavior, options = undefined) =>
      defineDurableKindMulti(provideKindHandle(baggage, kindName), init, behavior, options);
    const exoOptions = (options, guard) => ({ ...options, thisfulMethods: true, ...guard });
    const defineVirtualExoClass = (tag, interfaceGuard, init, methods, options = undefined) =>
      defineKind(tag, init, methods, exoOptions(options, { interfaceGuard }));
    const defineVirtualExoClassKit = (tag, interfaceGuardKit, init, facets, options = undefined) =>
      defineKindMulti(tag, init, facets, exoOptions(options, { interfaceGuardKit }));
    const defineDurableExoClass = (kindHandle, interfaceGuard, init, methods, options = undefined) =>
      defineDurableKind(kindHandle, init, methods, exoOptions(options, { interfaceGuard }));
    const defineDurableExoClassKit = (kindHandle, interfaceGuardKit, init, facets, options = undefined) =>
      defineDurableKindMulti(kindHandle, init, facets, exoOptions(options, { interfaceGuardKit }));
    const prepareExoClass = (baggage, kindName, interfaceGuard, init, methods, options = undefined) =>
      defineDurableExoClass(provideKindHandle(baggage, kindName), interfaceGuard, init, methods, options);
    const prepareExoClassKit = (baggage, kindName, interfaceGuardKit, init, facets, options = undefined) =>
      defineDurableExoClassKit(provideKindHandle(baggage, kindName), interfaceGuardKit, init, facets, options);
    const prepareExo = (baggage, kindName, interfaceGuard, methods, options = undefined) => {
      const makeSingleton = prepareExoClass(baggage, kindName, interfaceGuard, lib.initEmpty, methods, options);
      return provide(baggage, `the_${kindName}`, () => makeSingleton());
    };
    const prepareSingleton = (baggage, kindName, methods, options = undefined) =>
      prepareExo(baggage, kindName, undefined, methods, options);
    return {
      M: storeModule.M,
      makeScalarMapStore: storeModule.makeScalarMapStore,
      makeScalarWeakMapStore: storeModule.makeScalarWeakMapStore,
      makeScalarSetStore: storeModule.makeScalarSetStore,
      makeScalarWeakSetStore: storeModule.makeScalarWeakSetStore,
      ...VatData,
      pickFacet: (maker, facetName) => (...args) => maker(...args)[facetName],
      partialAssign: (target, source) => {
        Object.assign(target, source);
      },
      provide,
      provideDurableMapStore: provideDurable(makeScalarBigMapStore),
      provideDurableWeakMapStore: provideDurable(makeScalarBigWeakMapStore),
      provideDurableSetStore: provideDurable(makeScalarBigSetStore),
      provideDurableWeakSetStore: provideDurable(makeScalarBigWeakSetStore),
      ignoreContext: fn => (_context, ...args) => fn(...args),
      provideKindHandle,
      prepareKind,
      prepareKindMulti,
      defineVirtualExoClass,
      defineVirtualExoClassKit,
      defineDurableExoClass,
      defineDurableExoClassKit,
      prepareExoClass,
      prepareExoClassKit,
      prepareExo,
      prepareSingleton,
    };
  };

  lib.makeVatData = makeVatData;
  lib.vatDataModule = vatDataModule;
});
