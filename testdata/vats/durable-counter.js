// A durable counter: every number it keeps lives in baggage, so a kernel
// that stops and starts again (three `kernel run` processes in a row) goes
// on counting. starts counts buildRootObject calls (one per kernel start),
// bootstraps counts bootstrap calls (one per launch, so one in all).
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters, baggage) {
  for (const key of ['count', 'starts', 'bootstraps']) {
    if (!baggage.has(key)) {
      baggage.init(key, 0);
    }
  }
  baggage.set('starts', baggage.get('starts') + 1);

  return makeDefaultExo('counter', {
    bootstrap() {
      baggage.set('bootstraps', baggage.get('bootstraps') + 1);
      return 'counter is ready';
    },
    increment() {
      const count = baggage.get('count') + 1;
      baggage.set('count', count);
      return count;
    },
    stats() {
      return harden({
        count: baggage.get('count'),
        starts: baggage.get('starts'),
        bootstraps: baggage.get('bootstraps'),
      });
    },
  });
}
