// A durable big map store in baggage, filled and read on request: after a
// restart the vat reads its entries from the kernel as it needs them.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';
import { provideDurableMapStore } from '@agoric/vat-data';

const keyOf = i => `k${String(i).padStart(7, '0')}`;

export function buildRootObject(_vatPowers, _parameters, baggage) {
  const big = provideDurableMapStore(baggage, 'big');
  const count = () => {
    let n = 0;
    for (const _ of big.keys()) n += 1;
    return n;
  };
  return makeDefaultExo('bigstore', {
    bootstrap: () => 'ready',
    fill(from, to) {
      for (let i = from; i < to; i += 1) big.init(keyOf(i), i);
      return big.getSize();
    },
    get: i => big.get(keyOf(i)),
    has: i => big.has(keyOf(i)),
    size: () => big.getSize(),
    count,
    sum() {
      let s = 0;
      for (const v of big.values()) s += v;
      return s;
    },
    // Writes of the delivery in progress show in its own iteration.
    deleteAddAndCount(gone, added) {
      big.delete(keyOf(gone));
      big.init(keyOf(added), added);
      return [count(), big.getSize()];
    },
    // A read from a timer callback, outside any delivery.
    getLater: i => new Promise(resolve => setTimeout(() => resolve(big.get(keyOf(i))), 1)),
  });
}
