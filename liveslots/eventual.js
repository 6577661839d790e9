// eventual.js builds E and makePromiseKit. E only shapes the call; where the
// message goes (a syscall now, pipelined on a promise vref, or a local call on
// a later turn) is decided by the eventualSend that liveslots passes in.
(function eventualModule(lib) {
  'use strict';

  const { harden } = lib;
  const { freeze } = Object;

  const makePromiseKit = () => {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return harden({ promise, resolve, reject });
  };

  // All E proxies share one frozen target without own properties, so any
  // method name works through them, "name" and "length" included (a proxy
  // over an ordinary frozen function would have to answer those with the
  // function's own values).
  const sharedTarget = () => {};
  delete sharedTarget.name;
  delete sharedTarget.length;
  freeze(sharedTarget);

  // makeE(eventualSend, eventualGet): eventualSend(x, method, args, sendOnly)
  // returns a promise (or undefined when sendOnly); method undefined means
  // calling x itself. eventualGet(x, name) returns a promise.
  const makeE = (eventualSend, eventualGet) => {
    const makeSender = (x, sendOnly) =>
      new Proxy(sharedTarget, {
        get(_target, method) {
          return (...args) => eventualSend(x, method, args, sendOnly);
        },
        apply(_target, _this, args) {
          return eventualSend(x, undefined, args, sendOnly);
        },
      });

    const E = x => makeSender(x, false);
    E.sendOnly = x => makeSender(x, true);
    E.get = x =>
      new Proxy(sharedTarget, {
        get(_target, name) {
          return eventualGet(x, name);
        },
      });
    E.when = (x, onFulfilled, onRejected) => Promise.resolve(x).then(onFulfilled, onRejected);
    E.resolve = x => Promise.resolve(x);
    return harden(E);
  };

  lib.makePromiseKit = harden(makePromiseKit);
  lib.makeE = makeE;
});
