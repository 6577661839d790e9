// A test vat with durable objects: a kind defined through VatData with a
// kind handle kept in baggage, an exo class kit from @agoric/vat-data, and
// a durable big map store holding them by name.
var __ocapVat = (() => {
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils/exo');
  const { prepareExoClassKit, provideDurableMapStore, M } = __ocap_require('@agoric/vat-data');

  function buildRootObject(vatPowers, parameters, baggage) {
    const { VatData } = vatPowers;
    let counterKind;
    if (baggage.has('counterKind')) {
      counterKind = baggage.get('counterKind');
    } else {
      counterKind = VatData.makeKindHandle('counter');
      baggage.init('counterKind', counterKind);
    }
    if (parameters.skipCounter) return makeDefaultExo('root', {});
    const makeCounter = VatData.defineDurableKind(counterKind, (name, start) => ({ name, count: start }), {
      increment: ({ state }) => {
        state.count += 1;
        return state.count;
      },
      read: ({ state }) => `${state.name}=${state.count}`,
    });
    const makeAccount = prepareExoClassKit(
      baggage,
      'account',
      {
        holder: M.interface('holder', { deposit: M.call(M.number()).returns(M.number()), balance: M.call().returns(M.number()) }),
        admin: M.interface('admin', { owner: M.call().returns(M.string()), audit: M.call().returns(M.number()) }),
      },
      owner => ({ owner, balance: 0 }),
      {
        holder: {
          deposit(n) {
            this.state.balance += n;
            return this.state.balance;
          },
          balance() {
            return this.state.balance;
          },
        },
        admin: {
          owner() {
            return this.state.owner;
          },
          audit() {
            return this.facets.holder.balance();
          },
        },
      },
    );
    const registry = provideDurableMapStore(baggage, 'registry');
    const makeVirtual = VatData.defineKind('ephemeral', () => ({ n: 1 }), { n: ({ state }) => state.n });
    return makeDefaultExo('root', {
      makeCounter(name, start) {
        const c = makeCounter(name, start);
        registry.init(name, c);
        return c;
      },
      makeAccount(owner) {
        const kit = makeAccount(owner);
        registry.init(owner, kit.admin);
        return kit;
      },
      lookup(name) {
        return registry.get(name);
      },
      names() {
        return [...registry.keys()];
      },
      size() {
        return registry.getSize();
      },
      storeVirtual() {
        baggage.init('v', makeVirtual());
      },
      storeLocal() {
        registry.init('local', makeDefaultExo('local', {}));
      },
      canBeDurable() {
        return [VatData.canBeDurable(registry), VatData.canBeDurable(makeVirtual()), VatData.canBeDurable(harden({ a: 1 }))];
      },
    });
  }
  return { buildRootObject };
})();
