// Bob answers with whichever of the promises he is given settles first.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  return makeDefaultExo('root', {
    take(...promises) {
      return Promise.race(promises);
    },
  });
}
