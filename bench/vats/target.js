// The bench's target vat: ping writes baggage, so every message it answers
// is durable work committed with its crank.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters, baggage) {
  const count = (i) => {
    if (baggage.has('last')) {
      baggage.set('last', i);
    } else {
      baggage.init('last', i);
    }
    return i + 1;
  };
  const counter = makeDefaultExo('counter', { ping: count });
  let release;
  return makeDefaultExo('root', {
    bootstrap() {
      return 'ready';
    },
    ping: count,
    // hold answers a promise that release later resolves to counter.
    hold() {
      return new Promise((resolve) => {
        release = () => resolve(counter);
      });
    },
    release() {
      release();
    },
    take(s) {
      return s.length;
    },
  });
}
