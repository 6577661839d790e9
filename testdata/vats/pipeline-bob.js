// Bob makes counters and throws on demand.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  return makeDefaultExo('root', {
    makeCounter() {
      let count = 0;
      return makeDefaultExo('counter', {
        increment() {
          count += 1;
          return count;
        },
      });
    },
    async makeBroken() {
      throw new Error('no counter for you');
    },
    getData() {
      return 'just a string';
    },
    incrementVia(counterPromise) {
      return E(counterPromise).increment();
    },
    throwSync() {
      throw new Error('sync boom');
    },
    async throwAsync() {
      throw new RangeError('async boom');
    },
    typeError() {
      const nothing = null;
      return nothing.field;
    },
    spin() {
      for (;;) {
        // never returns: the kernel's delivery time limit ends it
      }
    },
    // Says so in the kernel log before spinning, so a test knows when a
    // worker is inside this delivery.
    announceSpin() {
      console.log('bob is spinning');
      for (;;) {
        // never returns
      }
    },
  });
}
