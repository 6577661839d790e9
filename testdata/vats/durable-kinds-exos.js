// Accounts made with prepareExoClassKit from @agoric/vat-data: two facets
// over one durable state.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';
import { M, prepareExoClassKit } from '@agoric/vat-data';

export function buildRootObject(_vatPowers, _parameters, baggage) {
  const makeAccount = prepareExoClassKit(
    baggage,
    'account',
    {
      holder: M.interface('holder', { deposit: M.call(M.number()).returns(M.number()) }),
      admin: M.interface('admin', { report: M.call().returns(M.string()) }),
    },
    owner => ({ owner, balance: 0 }),
    {
      holder: {
        deposit(amount) {
          this.state.balance += amount;
          return this.state.balance;
        },
      },
      admin: {
        report() {
          return `${this.state.owner} has ${this.state.balance}`;
        },
      },
    },
  );
  return makeDefaultExo('exos', {
    makeAccount: owner => makeAccount(owner),
  });
}
