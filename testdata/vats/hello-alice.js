// The bootstrap vat of the hello cluster: it keeps bob in baggage and asks
// him to build the greeting.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters, baggage) {
  let bob = baggage.has('bob') ? baggage.get('bob') : undefined;
  if (!baggage.has('starts')) {
    baggage.init('starts', 0);
  }
  baggage.set('starts', baggage.get('starts') + 1);

  return makeDefaultExo('root', {
    async bootstrap(vats) {
      bob = vats.bob;
      baggage.init('bob', bob);
      baggage.init('bootstraps', 1);
      return 'alice is ready';
    },
    hello(who) {
      return E(bob).greet(who);
    },
    getBob() {
      return bob;
    },
    counts() {
      return harden({ starts: baggage.get('starts'), bootstraps: baggage.get('bootstraps') });
    },
  });
}
