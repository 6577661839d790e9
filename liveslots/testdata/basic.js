// A bundle-shaped test vat exercising liveslots' delivery paths.
var __ocapVat = (() => {
  const { E } = __ocap_require('@endo/eventual-send');
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils/exo');

  function buildRootObject(vatPowers, parameters, baggage) {
    const thing = makeDefaultExo('thing', {
      name() {
        return 'thing';
      },
    });
    let pending;
    let settle;
    const root = makeDefaultExo('root', {
      hello(name) {
        return `hello ${name}`;
      },
      params() {
        return parameters;
      },
      throwSync() {
        throw new RangeError('sync boom');
      },
      async throwAsync() {
        await null;
        throw new Error('async boom');
      },
      typeErrorInside() {
        const nothing = undefined;
        return nothing.field;
      },
      nonPassable() {
        return { f() {} };
      },
      echo(x) {
        return x;
      },
      self() {
        return this.self;
      },
      isSelf(x) {
        return x === root;
      },
      thing() {
        return thing;
      },
      isThing(x) {
        return x === thing;
      },
      same(a, b) {
        return a === b;
      },
      call(target, method, ...args) {
        return E(target)[method](...args);
      },
      callTwice(target) {
        const p1 = E(target).first();
        const p2 = E(target).second();
        return Promise.all([p1, p2]);
      },
      sendOnly(target) {
        E.sendOnly(target).fire('and forget');
        return 'sent';
      },
      pipeline(bob) {
        return E(E(bob).makeCounter()).increment();
      },
      pipelineKept(bob) {
        // Keeps the first result so a later notify can be checked.
        pending = E(bob).makeCounter();
        return E(pending).increment();
      },
      sendToKept() {
        return E(pending).increment();
      },
      async awaitRemote(target) {
        const n = await E(target).get();
        return n + 1;
      },
      localE() {
        return E(thing).name();
      },
      localMissing() {
        return E(thing).nope();
      },
      sendToPromise(p) {
        return E(p).hi();
      },
      returnPromise(target) {
        return E(target).later();
      },
      makeDeferred() {
        const p = new Promise(resolve => {
          settle = resolve;
        });
        return harden({ p });
      },
      waitDeferred() {
        return new Promise(resolve => {
          settle = resolve;
        });
      },
      settleDeferred(value) {
        settle(value);
        return 'settled';
      },
      async storePresence(p) {
        baggage.init('friend', p);
        return baggage.has('friend');
      },
      log(msg) {
        console.log('console says', msg, { n: 1 });
        vatPowers.logger.subLogger({ tags: ['sub'] }).info('logger says', msg);
        return 'logged';
      },
      frozen(rec, presence, promise) {
        return (
          Object.isFrozen(rec) &&
          Object.isFrozen(rec.a) &&
          Object.isFrozen(rec.a[0]) &&
          Object.isFrozen(presence) &&
          Object.isFrozen(promise)
        );
      },
      recurse() {
        const down = n => down(n + 1) + 1;
        return down(0);
      },
      evaluate(src) {
        // Indirect eval: runs in the vat's global scope.
        return harden((0, eval)(src));
      },
    });
    return root;
  }
  return { buildRootObject };
})();
