// Hands out counters (remotables) and takes them back as arguments, so the
// control API's tests can print a remotable and pass it back.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  return makeDefaultExo('keeper', {
    bootstrap() {
      return 'keeper is ready';
    },
    makeCounter(name) {
      let count = 0;
      return makeDefaultExo(name, {
        getName() {
          return name;
        },
        increment() {
          count += 1;
          return count;
        },
      });
    },
    nameOf(counter) {
      return E(counter).getName();
    },
    echo(...args) {
      return harden(args);
    },
    never() {
      return new Promise(() => {});
    },
    fail(message) {
      throw Error(message);
    },
  });
}
