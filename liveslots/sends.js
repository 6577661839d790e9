// sends.js is the engine behind E: where an eventual send goes. A presence,
// or a promise the kernel still has to settle, gets a send syscall now
// (pipelining onto the promise); a local promise is waited for; anything
// else is called on a later turn.
(function sendsModule(lib) {
  'use strict';

  const { harden, inspect, errorText, remotables, isPromise, exoDelivery, notExo, linkPromise } = lib;
  const { freeze, getOwnPropertyDescriptor, hasOwn } = Object;
  const { ownKeys, apply } = Reflect;
  const { stringify } = JSON;

  const noop = () => {};
  // A settled promise to schedule "a later turn" without allocating one.
  const laterTurn = Promise.resolve();

  const methodNames = target => {
    if (target === null || (typeof target !== 'object' && typeof target !== 'function')) return [];
    const names = [];
    for (const key of ownKeys(target)) {
      const desc = getOwnPropertyDescriptor(target, key);
      if ('value' in desc && typeof desc.value === 'function') {
        names.push(typeof key === 'symbol' ? `[${String(key)}]` : key);
      }
    }
    return names.sort();
  };
  const quoteMethod = m => (typeof m === 'symbol' ? `[${String(m)}]` : stringify(String(m)));

  // localCall invokes target[method](...args) as E does on a local object
  // (method undefined: calls target itself). For remotables only their own
  // methods count.
  const localCall = (target, method, args) => {
    if (target === undefined || target === null) {
      throw TypeError(`Cannot deliver ${quoteMethod(method)} to ${String(target)}`);
    }
    if (method === undefined || method === null) {
      if (typeof target !== 'function') throw TypeError(`target ${inspect(target)} is not a function`);
      return apply(target, undefined, args);
    }
    let fn;
    if (remotables.has(target)) {
      fn = hasOwn(target, method) ? target[method] : undefined;
    } else {
      fn = target[method];
    }
    if (typeof fn !== 'function') {
      throw TypeError(`target has no method ${quoteMethod(method)}, has ${stringify(methodNames(target))}`);
    }
    return apply(fn, target, args);
  };

  // deliverLocal is localCall for a message delivery, whose arguments
  // marshal decoded: an exo's method skips re-checking that they can pass.
  const deliverLocal = (target, method, args) => {
    const result = exoDelivery(target, method, args);
    return result === notExo ? localCall(target, method, args) : result;
  };

  // makeSends(vrefs, host) returns eventualSend and eventualGet for makeE.
  const makeSends = (vrefs, host) => {
    const { valToSlot, kernelDecided, settledTo, marshal, isPresenceVref, vrefOfPresence } = vrefs;

    const sendRemote = (targetVref, method, args, sendOnly) => {
      let data;
      try {
        // args is E's own rest array: freezing it and hardening its
        // elements hardens the message without walking fresh arrays.
        for (let i = 0; i < args.length; i += 1) harden(args[i]);
        data = marshal.toCapData(freeze([method, freeze(args)]));
      } catch (e) {
        if (sendOnly) {
          host.log('warn', '', `E.sendOnly(...).${String(method)}: ${errorText(e)}`);
          return undefined;
        }
        // The arguments could not be sent: say which call it was.
        const message = `E(...).${String(method)}(...): ${e instanceof Error ? e.message : inspect(e)}`;
        return Promise.reject(e instanceof TypeError ? TypeError(message) : Error(message));
      }
      if (sendOnly) {
        host.send(targetVref, data.body, data.slots, '');
        return undefined;
      }
      const resultVref = vrefs.allocatePromiseVref();
      const promise = vrefs.makeKernelPromise(resultVref);
      host.send(targetVref, data.body, data.slots, resultVref);
      host.subscribe(resultVref);
      return promise;
    };

    // shorten follows kernel-decided promises that already settled to
    // their value. A rejection met on the way is left in shortenRejection
    // (set only then), so the common path allocates nothing.
    let shortenRejection;
    const shorten = x => {
      let target = x;
      for (;;) {
        const settled = settledTo(target);
        if (settled === undefined) return target;
        if (settled.rejected) {
          shortenRejection = settled;
          return undefined;
        }
        target = settled.value;
      }
    };
    const takeRejection = () => {
      const r = shortenRejection;
      shortenRejection = undefined;
      return r;
    };

    const eventualSend = (x, method, args, sendOnly) => {
      const target = shorten(x);
      const rejection = takeRejection();
      let result;
      if (rejection !== undefined) {
        result = Promise.reject(rejection.value);
      } else {
        const vref =
          typeof target === 'object' && target !== null ? valToSlot.get(target) : undefined;
        if (vref !== undefined && (isPresenceVref(vref) || kernelDecided.has(vref))) {
          return sendRemote(vref, method, args, sendOnly);
        }
        if (isPromise(target)) {
          result = target.then(value => eventualSend(value, method, args, false));
          // result cannot settle before target does (see vrefs.js).
          linkPromise(result, target);
        } else {
          result = laterTurn.then(() => localCall(target, method, args));
        }
      }
      if (sendOnly) {
        result.catch(noop);
        return undefined;
      }
      return result;
    };

    const eventualGet = (x, name) => {
      const target = shorten(x);
      const rejection = takeRejection();
      if (rejection !== undefined) return Promise.reject(rejection.value);
      if (isPromise(target)) return target.then(value => eventualGet(value, name));
      if (vrefOfPresence(target) !== undefined) {
        return Promise.reject(
          Error(`E.get(${inspect(target)}).${String(name)}: getting a property of an object in another vat is not supported`),
        );
      }
      return laterTurn.then(() => target[name]);
    };

    return { eventualSend, eventualGet };
  };

  // liveslots.js calls lib.localCall for deliveries only.
  lib.localCall = deliverLocal;
  lib.makeSends = makeSends;
});
