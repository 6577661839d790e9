// Keeps, in its baggage, durable objects of two other vats (a VatData
// counter, an exo class kit's facets) and calls them on request.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(_vatPowers, _parameters, baggage) {
  return makeDefaultExo('holder', {
    async bootstrap(vats) {
      baggage.init('counter', await E(vats.kinds).makeCounter('c'));
      const { holder, admin } = await E(vats.exos).makeAccount('alice');
      baggage.init('account', holder);
      baggage.init('admin', admin);
      return 'ready';
    },
    bump: () => E(baggage.get('counter')).increment(),
    deposit: amount => E(baggage.get('account')).deposit(amount),
    report: () => E(baggage.get('admin')).report(),
    counter: () => baggage.get('counter'),
  });
}
