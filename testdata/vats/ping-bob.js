import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  return makeDefaultExo('root', {
    ping(i) {
      return i + 1;
    },
  });
}
