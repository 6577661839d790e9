// Soak: alice pings bob, and makes short-lived exos that she passes to bob,
// who lets them go; garbage collection must keep both bounded.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters, baggage) {
  // In baggage: the soak restarts the kernel between its phases.
  let bob = baggage.has('bob') ? baggage.get('bob') : undefined;
  return makeDefaultExo('root', {
    bootstrap(vats) {
      bob = vats.bob;
      baggage.init('bob', bob);
    },
    async pingPong(n) {
      let last = 0;
      for (let i = 0; i < n; i += 1) {
        last = await E(bob).ping(i);
      }
      return last;
    },
    async passThings(n) {
      let seen = 0;
      for (let i = 0; i < n; i += 1) {
        const thing = makeDefaultExo('thing', { id: () => i });
        seen += await E(bob).look(thing);
      }
      return seen;
    },
  });
}
