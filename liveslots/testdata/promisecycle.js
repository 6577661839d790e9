// A test vat that resolves its own promises to each other: in pairs, in a
// ring, to themselves, in a timer callback, and into a promise the kernel
// decides.
var __ocapVat = (() => {
  const { E } = __ocap_require('@endo/eventual-send');
  const { makePromiseKit } = __ocap_require('@endo/promise-kit');
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils/exo');

  // A Promise.withResolvers of our own, as vat code writes it.
  const withResolvers = () => {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };

  const pair = (make = makePromiseKit) => {
    const a = make();
    const b = make();
    a.resolve(b.promise);
    b.resolve(a.promise);
    return [a.promise, b.promise];
  };
  const ring = () => {
    const a = makePromiseKit();
    const b = makePromiseKit();
    const c = makePromiseKit();
    a.resolve(b.promise);
    b.resolve(c.promise);
    c.resolve(a.promise);
    return [a.promise, b.promise, c.promise];
  };

  let kept;
  let open;
  const pending = new Set();
  const watch = p => {
    pending.add(p);
    p.then(() => pending.delete(p), () => pending.delete(p));
  };

  function buildRootObject() {
    return makeDefaultExo('root', {
      pairResult() {
        return pair()[0];
      },
      withResolversResult() {
        return pair(withResolvers)[1];
      },
      executorResult() {
        // Resolved inside its executor, before new Promise returns.
        const b = makePromiseKit();
        const a = new Promise(res => res(b.promise));
        b.resolve(a);
        return a;
      },
      ringResult() {
        return ring()[2];
      },
      intoRing() {
        // Not in the cycle itself, but resolved into it.
        const lead = makePromiseKit();
        lead.resolve(ring()[0]);
        return lead.promise;
      },
      selfResult() {
        const a = makePromiseKit();
        a.resolve(a.promise);
        return a.promise;
      },
      sendPair(peer) {
        return E(peer).take(...pair());
      },
      sendRing(peer) {
        return E(peer).take(...ring());
      },
      // A cycle nobody outside the vat sees stays pending, as in
      // JavaScript.
      keepLocal() {
        kept = pair();
        kept.forEach(watch);
        return 'kept';
      },
      localStillPending() {
        return kept.every(p => pending.has(p));
      },
      // ...until it is sent: then the kernel must hear it never settles.
      sendKept(peer) {
        E.sendOnly(peer).take(kept[0]);
      },
      // A promise of ours the kernel will resolve into it: the cycle is
      // closed by a notify.
      waitFor(p) {
        const k = makePromiseKit();
        k.resolve(p);
        return k.promise;
      },
      cycleLater(ms) {
        const a = makePromiseKit();
        setTimeout(() => {
          const b = makePromiseKit();
          a.resolve(b.promise);
          b.resolve(a.promise);
        }, ms);
        return a.promise;
      },
      // A promise of ours exported before it is resolved into a cycle;
      // messages pipelined onto it wait for it meanwhile.
      exportKit() {
        open = makePromiseKit();
        return harden({ p: open.promise });
      },
      closeKit() {
        const b = makePromiseKit();
        open.resolve(b.promise);
        b.resolve(open.promise);
      },
      hello() {
        return 'hi';
      },
    });
  }
  return { buildRootObject };
})();
