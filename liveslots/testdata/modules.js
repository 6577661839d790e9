// A test vat touching every built-in module the way endo-style code does.
var __ocapVat = (() => {
  const { E } = __ocap_require('@endo/eventual-send');
  const { Far, E: E2 } = __ocap_require('@endo/far');
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils');
  const { makeExo, defineExoClass } = __ocap_require('@endo/exo');
  const { passStyleOf, makeTagged } = __ocap_require('@endo/marshal');
  const passStyle = __ocap_require('@endo/pass-style');
  const { M } = __ocap_require('@endo/patterns');
  const { makePromiseKit } = __ocap_require('@endo/promise-kit');
  __ocap_require('@agoric/store');
  __ocap_require('@metamask/ocap-kernel');

  const CounterI = M.interface('Counter', {
    increment: M.call().returns(M.number()),
    add: M.call(M.number()).optional(M.string()).returns(M.number()),
  });

  function buildRootObject() {
    const makeCounter = defineExoClass('Counter', CounterI, (start = 0) => ({ count: start }), {
      increment() {
        this.state.count += 1;
        return this.state.count;
      },
      add(n) {
        this.state.count += n;
        return this.self.increment();
      },
    });
    const far = Far('far', { hi: () => 'far hi' });
    const exo = makeExo('exo', M.interface('Exo', { hi: M.call().returns(M.string()) }), {
      hi: () => 'exo hi',
    });
    const kit = makePromiseKit();
    return makeDefaultExo('root', {
      styles() {
        return harden([
          passStyleOf(1),
          passStyleOf('s'),
          passStyleOf(null),
          passStyleOf(undefined),
          passStyleOf(1n),
          passStyleOf(Symbol.for('x')),
          passStyleOf(harden([])),
          passStyleOf(harden({})),
          passStyleOf(far),
          passStyleOf(exo),
          passStyleOf(harden(Promise.resolve())),
          passStyleOf(harden(new Error('e'))),
          passStyleOf(makeTagged('t', 1)),
          passStyle.passStyleOf(makeCounter()),
        ]);
      },
      notPassable(kind) {
        const values = {
          unfrozen: {},
          fn: harden(() => 1),
          instance: harden(new (class Point {})()),
          symbol: Symbol('private'),
        };
        try {
          passStyleOf(values[kind]);
          return 'passable';
        } catch (e) {
          return `${e.name}: ${e.message}`;
        }
      },
      counter() {
        const c = makeCounter(10);
        return harden([c.increment(), c.add(5)]);
      },
      tagged() {
        return makeTagged('copySet', harden(['a', 'b']));
      },
      pattern() {
        return M.string();
      },
      async locals() {
        return harden([await E(far).hi(), await E2(exo).hi()]);
      },
      async kit() {
        kit.resolve('kept');
        return kit.promise;
      },
      async specialNames() {
        const named = makeDefaultExo('named', { name: () => 'n', length: () => 3 });
        return harden([await E(named).name(), await E(named).length()]);
      },
      async gets(presence) {
        const rec = harden({ a: 1 });
        const got = await E.get(rec).a;
        let remote;
        try {
          await E.get(presence).x;
          remote = 'resolved';
        } catch (e) {
          remote = e.message;
        }
        return harden([got, remote]);
      },
      whenValue() {
        return E.when(Promise.resolve(2), v => v * 2);
      },
      loseRejection() {
        Promise.reject(new Error('nobody listens'));
        return 'done';
      },
    });
  }
  return { buildRootObject };
})();
