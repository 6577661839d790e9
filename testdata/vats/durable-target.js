// The target answers through its root (which keeps its kref across
// restarts) and makes plain objects that only live as long as its worker.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters, baggage) {
  if (!baggage.has('starts')) {
    baggage.init('starts', 0);
  }
  const starts = baggage.get('starts') + 1;
  baggage.set('starts', starts);

  return makeDefaultExo('target', {
    echo(word) {
      return `target heard ${word} (start ${starts})`;
    },
    makeThing(name) {
      return makeDefaultExo(name, {
        getName() {
          return name;
        },
      });
    },
  });
}
