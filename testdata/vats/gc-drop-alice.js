// The exporter of the gc-drop cluster: it passes bob fresh objects he
// only looks at, and one he keeps.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  let bob;
  return makeDefaultExo('root', {
    bootstrap(vats) {
      bob = vats.bob;
    },
    async pass(n) {
      for (let i = 0; i < n; i += 1) {
        await E(bob).look(makeDefaultExo('thing', { n: () => i }));
      }
      await E(bob).keep(makeDefaultExo('kept', { n: () => -1 }));
      return n;
    },
    askKept() {
      return E(bob).askKept();
    },
  });
}
