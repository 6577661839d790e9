// The attacker's accomplice: bounces the attacker's slow loop back through
// the run queue, and takes its send storm.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  return makeDefaultExo('accomplice', {
    bounce(attacker, n, ms) {
      E(attacker).slowLoop(n, ms);
    },
    noop() {},
    // Never settles: its callers' promises stay pending.
    never: () => new Promise(() => {}),
  });
}
