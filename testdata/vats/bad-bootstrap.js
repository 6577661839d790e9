import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters) {
  return makeDefaultExo('root', {
    async bootstrap() {
      if (parameters.reject) {
        throw new TypeError('bootstrap rejects');
      }
      return undefined;
    },
  });
}
