// liveslots.js turns the kernel's deliveries (startVat, message, notify)
// into calls on the vat's objects, over the vref tables of vrefs.js and the
// E of sends.js, and installs the vat's globals. It returns the dispatch
// object the Go side drives; the host functions it gets (lib.host) are
// reachable from nowhere else.
(function liveslotsModule(lib) {
  'use strict';

  const {
    harden,
    inspect,
    errorText,
    remotables,
    isPromise,
    localCall,
    makeVrefs,
    makeWeakCollections,
    makeSends,
    makeE,
    makeModules,
    makeConsole,
    makeLoggerModule,
    makeVatstore,
    makeBaggage,
    makeStorableChecker,
    makeVirtualObjectManager,
    makeCollectionManager,
    makeVatData,
    isDurableVref,
    defineGlobal,
  } = lib;
  const host = lib.host;
  const { isArray } = Array;
  const { stringify, parse } = JSON;

  const vrefs = makeVrefs(host);
  const { marshal, isPresenceVref, vrefOfPresence } = vrefs;
  const { eventualSend, eventualGet } = makeSends(vrefs, host);
  const E = makeE(eventualSend, eventualGet);
  // VatData exists once startVat has the vatstore.
  let vatData;
  const loggerModule = makeLoggerModule(host.log);
  const require = makeModules(E, () => vatData, loggerModule);

  // Vat code's WeakMap and WeakSet key presences by vref, so that it
  // cannot tell whether a presence it let go of was collected.
  const weakCollections = makeWeakCollections(vrefs, host);
  defineGlobal('WeakMap', weakCollections.WeakMap);
  defineGlobal('WeakSet', weakCollections.WeakSet);
  defineGlobal('harden', harden);
  defineGlobal('console', makeConsole(host.log));

  // The vatstore key of the vref counters (see vrefs.js).
  const countersKey = 'idCounters';

  let started = false;
  let startPending = false;
  let startError = '';
  let vatstore;
  let undefinedKinds;

  const kindOf = x => {
    if (x === null) return 'null';
    if (isArray(x)) return 'an array';
    if (isPromise(x)) return 'a promise';
    if (vrefOfPresence(x) !== undefined) return 'a presence of another vat';
    if (typeof x === 'object') return `an object ${inspect(x)}`;
    return typeof x;
  };

  // startVat evaluates nothing itself: the Go side compiled the bundle into
  // buildFn(__ocap_require, require) returning the bundle's exports. Its
  // outcome is reported by endCrank, once buildRootObject's promise (if
  // any) had every chance to settle.
  const startVat = (buildFn, paramsBody, paramsSlots) => {
    if (started) throw Error('the vat was already started');
    started = true;
    // The collector counts the presences vatstore data holds (vrefs.js).
    const tracked = vrefs.trackVatstore(host);
    vatstore = makeVatstore({
      vatstoreGet: key => host.vatstoreGet(key),
      vatstoreNextEntries: (prefix, after, limit) => host.vatstoreNextEntries(prefix, after, limit),
      vatstoreSet: tracked.vatstoreSet,
      vatstoreDelete: tracked.vatstoreDelete,
    });
    const counters = vatstore.get(countersKey);
    if (counters !== undefined) vrefs.restoreCounters(parse(counters));
    // Durable storage takes data, other vats' objects and the vat's own
    // durable objects and stores; virtual storage any passable but promises.
    const isDurableRemotable = x => {
      const vref = vrefs.valToSlot.get(x);
      return vref !== undefined && isDurableVref(vref);
    };
    const checkDurable = makeStorableChecker(isDurableRemotable);
    const checkVirtual = makeStorableChecker(() => true);
    const vom = makeVirtualObjectManager({ vatstore, vrefs, checkDurable, checkVirtual });
    const collections = makeCollectionManager({ vatstore, vrefs, checkDurable, checkVirtual });
    vrefs.setReanimator(vref => {
      const store = collections.reanimate(vref);
      return store !== undefined ? store : vom.reanimate(vref);
    });
    const isDurable = x => {
      try {
        checkDurable('', x);
        return true;
      } catch (_) {
        return false;
      }
    };
    vatData = makeVatData(vom, collections, isDurable);
    undefinedKinds = vom.undefinedKinds;
    const baggage = makeBaggage(vatstore, marshal, checkDurable);
    const parameters =
      paramsBody === '' ? harden({}) : marshal.fromCapData(paramsBody, paramsSlots);
    const vatPowers = harden({ logger: new loggerModule.Logger({ tags: [] }), VatData: vatData });

    let exports;
    try {
      exports = buildFn(require, require);
    } catch (e) {
      startError = `bundle evaluation failed: ${errorText(e)}`;
      return;
    }
    const build = exports === null || exports === undefined ? undefined : exports.buildRootObject;
    if (typeof build !== 'function') {
      startError = 'the bundle does not export a buildRootObject function';
      return;
    }
    let result;
    try {
      result = build(vatPowers, parameters, baggage);
    } catch (e) {
      startError = `buildRootObject failed: ${errorText(e)}`;
      return;
    }
    startPending = true;
    Promise.resolve(result).then(
      root => {
        startPending = false;
        if (!remotables.has(root) || vrefOfPresence(root) !== undefined) {
          startError = `buildRootObject must return a remotable (makeDefaultExo), got ${kindOf(root)}`;
          return;
        }
        vrefs.registerRoot(root);
        const missing = undefinedKinds();
        if (missing.length > 0) {
          startError = `buildRootObject failed: defineDurableKind not called for tags: [${missing.join(',')}]`;
        }
      },
      e => {
        startPending = false;
        startError = `buildRootObject failed: ${errorText(e)}`;
      },
    );
  };

  const isThenable = x =>
    isPromise(x) ||
    (((typeof x === 'object' && x !== null) || typeof x === 'function') &&
      typeof x.then === 'function');

  const logSendOnlyFailure = (method, targetVref, e) =>
    host.log('warn', '', `send-only ${String(method)} to ${targetVref} failed: ${lib.stackText(e)}`);

  // message calls the method right away: the delivery starts on an empty
  // job queue, so this cannot be told apart from E's "later turn", and it
  // saves a turn and a closure per message. A result that is not a promise
  // is resolved at once; a promise is followed until it settles.
  const message = (targetVref, body, slots, resultVref) => {
    if (!started) throw Error('message before startVat');
    const methargs = marshal.fromCapData(body, slots);
    if (!isArray(methargs) || methargs.length !== 2 || !isArray(methargs[1])) {
      throw TypeError(`methargs must be [method, args], got ${inspect(methargs)}`);
    }
    const method = methargs[0];
    const args = methargs[1];
    let value;
    let threw = false;
    let target;
    try {
      target = vrefs.lookup(targetVref);
    } catch (e) {
      threw = true;
      value = e;
    }
    if (threw) {
      // A durable object whose kind is not defined: its message fails.
    } else if (target === undefined) {
      threw = true;
      value = Error(targetVref.charAt(0) === 'p' ? `no promise ${targetVref}` : `no object ${targetVref}`);
    } else if (targetVref.charAt(0) === 'o') {
      if (isPresenceVref(targetVref)) {
        threw = true;
        value = Error(`${targetVref} is not an object of this vat`);
      } else {
        try {
          value = localCall(target, method, args);
        } catch (e) {
          threw = true;
          value = e;
        }
      }
    } else {
      // Pipelined onto a promise this vat decides: wait for it, as E does.
      value = eventualSend(target, method, args, false);
    }
    const what = String(method);
    if (threw || !isThenable(value)) {
      if (resultVref !== '') vrefs.resolve(resultVref, threw, value, what);
      else if (threw) logSendOnlyFailure(method, targetVref, value);
      return;
    }
    const result = isPromise(value) ? value : Promise.resolve(value);
    if (resultVref === '') {
      result.catch(e => logSendOnlyFailure(method, targetVref, e));
      return;
    }
    // Until it settles the result is a promise this vat decides; messages
    // pipelined onto it wait for it.
    vrefs.registerDecided(resultVref, result);
    result.then(
      v => vrefs.resolve(resultVref, false, v, what),
      e => vrefs.resolve(resultVref, true, e, what),
    );
  };

  // notify settles kernel-decided promises. All data is decoded before any
  // vref is retired, so resolutions may refer to each other.
  const notify = (vrefList, rejecteds, bodies, slotLists) => {
    if (!started) throw Error('notify before startVat');
    const values = [];
    for (let i = 0; i < vrefList.length; i += 1) {
      values.push(
        vrefs.kernelDecided.has(vrefList[i])
          ? marshal.fromCapData(bodies[i], slotLists[i])
          : undefined,
      );
    }
    for (let i = 0; i < vrefList.length; i += 1) {
      if (!vrefs.settleKernelPromise(vrefList[i], rejecteds[i], values[i])) {
        host.log('debug', '', `notify of unknown promise ${vrefList[i]} ignored`);
      }
    }
  };

  // endCrank runs once the vat is quiescent: it rejects the promises it
  // decides that were resolved into a cycle, saves the vref counters if
  // they moved and returns the start failure, if any ('' otherwise).
  const endCrank = () => {
    vrefs.rejectCycles();
    if (startPending) {
      startPending = false;
      startError = 'buildRootObject returned a promise that did not settle';
    }
    const counters = vrefs.takeDirtyCounters();
    if (counters !== undefined && vatstore !== undefined) {
      vatstore.set(countersKey, stringify(counters));
    }
    const err = startError;
    startError = '';
    return err;
  };

  // The kernel's garbage collection deliveries (see vrefs.js).
  const whenStarted = fn => vrefList => {
    if (!started) throw Error('garbage collection delivery before startVat');
    fn(vrefList);
  };
  const dropExports = whenStarted(vrefs.dropExports);
  const retireExports = whenStarted(vrefs.retireExports);
  const retireImports = whenStarted(vrefs.retireImports);
  const bringOutYourDead = whenStarted(vrefs.bringOutYourDead);

  // installGlobal adds one endowment to the vat's global object, hardened
  // and locked, before the vat's bundle runs.
  const installGlobal = (name, value) => defineGlobal(name, harden(value));

  return {
    startVat,
    message,
    notify,
    dropExports,
    retireExports,
    retireImports,
    bringOutYourDead,
    endCrank,
    inspect,
    installGlobal,
    tableSizes: vrefs.sizes,
  };
});
