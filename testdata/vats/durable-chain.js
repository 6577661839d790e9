// One side of the crash test's chain. Two vats run this code: bob takes the
// odd steps, alice (the bootstrap vat) the even ones. start(total) on alice
// sends step 1 to bob; step n, once recorded, sends step n+1 to the peer with
// E.sendOnly, so no result promise spans cranks and the chain needs nothing
// from the host once it started: it lives in the kernel's run queue.
//
// Every step is one crank that updates baggage, and everything a step needs
// is in baggage or in the message, so a kernel killed at any point and
// restarted carries on from its last commit. Each step proves the one before
// it: the message carries the chain hash of steps 1..n-1, the vat checks n
// is the step it expects next, records n under an append-only key
// (baggage.init refuses a second delivery of the same step) together with
// the hash it received, and passes on the hash extended with n. Anything
// unexpected is kept in 'violations' rather than thrown, so the final report
// shows it.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

// FNV-1a style step: hash' = (hash ^ n) * 16777619 mod 2^32.
const HASH0 = 2166136261;
const mix = (hash, n) => Math.imul(hash ^ n, 16777619) >>> 0;

export function buildRootObject(vatPowers, parameters, baggage) {
  const { name, first } = parameters;
  const defaults = harden({ last: 0, count: 0, hash: HASH0, violations: [], starts: 0 });
  for (const key of Object.keys(defaults)) {
    if (!baggage.has(key)) {
      baggage.init(key, defaults[key]);
    }
  }
  baggage.set('starts', baggage.get('starts') + 1);

  const violation = text => {
    baggage.set('violations', harden([...baggage.get('violations'), `${name}: ${text}`]));
  };

  const summary = () => {
    const log = {};
    for (const key of baggage.keys()) {
      if (key.startsWith('log.')) {
        log[key.slice(4)] = baggage.get(key);
      }
    }
    return harden({
      name,
      last: baggage.get('last'),
      count: baggage.get('count'),
      hash: baggage.get('hash'),
      starts: baggage.get('starts'),
      violations: baggage.get('violations'),
      log,
    });
  };

  return makeDefaultExo('chain', {
    async bootstrap(vats) {
      baggage.init('peer', vats.bob);
      await E(vats.bob).setPeer(vats.alice);
      return 'chain is ready';
    },
    setPeer(peer) {
      baggage.init('peer', peer);
    },
    // start kicks the chain off once; a second call changes nothing.
    start(total) {
      if (baggage.has('total')) {
        return 'already started';
      }
      baggage.init('total', total);
      E.sendOnly(baggage.get('peer')).step(1, HASH0, total);
      return 'started';
    },
    step(n, hash, total) {
      const last = baggage.get('last');
      const expected = last === 0 ? first : last + 2;
      if (n !== expected) {
        violation(`got step ${n}, expected step ${expected}`);
      }
      const key = `log.${n}`;
      if (baggage.has(key)) {
        violation(`step ${n} delivered again`);
        return;
      }
      baggage.init(key, hash);
      const next = mix(hash, n);
      baggage.set('last', n);
      baggage.set('count', baggage.get('count') + 1);
      baggage.set('hash', next);
      if (n < total) {
        E.sendOnly(baggage.get('peer')).step(n + 1, next, total);
      }
    },
    // progress is this vat's last step (one crank, no state change).
    progress() {
      return baggage.get('last');
    },
    summary,
    async report() {
      const peer = await E(baggage.get('peer')).summary();
      return harden([summary(), peer]);
    },
  });
}
