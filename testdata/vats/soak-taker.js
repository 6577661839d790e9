import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  return makeDefaultExo('root', {
    ping(i) {
      return i + 1;
    },
    // look holds the thing only while it runs.
    look(thing) {
      return thing ? 1 : 0;
    },
  });
}
