// A vat whose grow method keeps every block it allocates until its worker
// runs out of memory; its answer proves it is alive.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  const kept = [];
  return makeDefaultExo('root', {
    bootstrap() {
      return 'armed';
    },
    grow() {
      for (;;) {
        kept.push(new Array(1 << 20).fill(kept.length));
      }
    },
    alive() {
      return 'alive';
    },
  });
}
