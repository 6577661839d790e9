// The holder keeps, in baggage, the root presence of the target vat (handed
// over by bootstrap) and, on request, a presence of one of the target's
// non-durable objects. After a kernel restart the first still answers; the
// second is gone with the target's old worker.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters, baggage) {
  if (!baggage.has('starts')) {
    baggage.init('starts', 0);
  }
  baggage.set('starts', baggage.get('starts') + 1);

  return makeDefaultExo('holder', {
    bootstrap(vats) {
      baggage.init('target', vats.target);
      return 'holder is ready';
    },
    callTarget(word) {
      return E(baggage.get('target')).echo(word);
    },
    // keepThing asks the target for a fresh (non-durable) object, keeps its
    // presence in baggage and hands it to the caller as well.
    async keepThing(name) {
      const thing = await E(baggage.get('target')).makeThing(name);
      if (baggage.has('thing')) {
        baggage.set('thing', thing);
      } else {
        baggage.init('thing', thing);
      }
      return thing;
    },
    callThing() {
      return E(baggage.get('thing')).getName();
    },
    starts() {
      return baggage.get('starts');
    },
  });
}
