// Benchmark: alice pings bob n times, one round trip after another.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  let bob;
  return makeDefaultExo('root', {
    bootstrap(vats) {
      bob = vats.bob;
    },
    async pingPong(n) {
      let last = 0;
      for (let i = 0; i < n; i += 1) {
        last = await E(bob).ping(i);
      }
      return last;
    },
  });
}
