// Bob builds greetings; his name comes from the vat's parameters.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters) {
  const name = parameters.name ?? 'bob';
  return makeDefaultExo('root', {
    greet(who) {
      return `hello ${who}, from ${name}`;
    },
  });
}
