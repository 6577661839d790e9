// Version 1 of an upgradable vat: a counter in baggage and durable
// accounts (prepareExo from @agoric/vat-data).
import { makeDefaultExo } from '@metamask/kernel-utils/exo';
import { M, prepareExoClass, provide } from '@agoric/vat-data';

export function buildRootObject(_vatPowers, _parameters, baggage) {
  provide(baggage, 'count', () => 0);
  const makeAccount = prepareExoClass(
    baggage,
    'account',
    M.interface('account', {}, { defaultGuards: 'passable' }),
    owner => ({ owner, balance: 0 }),
    {
      deposit(amount) {
        this.state.balance += amount;
        return this.state.balance;
      },
    },
  );
  return makeDefaultExo('root', {
    bootstrap: () => 'ready',
    version: () => 1,
    increment() {
      baggage.set('count', baggage.get('count') + 1);
      return baggage.get('count');
    },
    makeAccount: owner => makeAccount(owner),
  });
}
