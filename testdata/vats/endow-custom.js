// Uses a global only the custom worker (testdata/endow-worker) offers.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  return makeDefaultExo('root', {
    bootstrap() {},
    hello(who) {
      return `${greet(who)} (${new TextEncoder().encode(who).length} bytes)`;
    },
  });
}
