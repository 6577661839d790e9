// The bootstrap vat of the terminations cluster: it keeps the victim in
// baggage, so it can still name it after a restart, and relays calls to it.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters, baggage) {
  let victim = baggage.has('victim') ? baggage.get('victim') : undefined;
  return makeDefaultExo('root', {
    bootstrap(vats) {
      victim = vats.victim;
      baggage.init('victim', victim);
      return 'keeper is ready';
    },
    hello() {
      return 'keeper here';
    },
    callVictim(method) {
      return E(victim)[method]();
    },
  });
}
