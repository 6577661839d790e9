// A vat that can be made to end each way a vat can end: a call that
// recurses without end, a call that never returns, a timer callback that
// never returns, and a flag in baggage that makes its next start throw.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters, baggage) {
  if (baggage.has('breakOnRestart')) {
    throw Error('victim refuses to start again');
  }
  return makeDefaultExo('root', {
    hello() {
      return 'victim here';
    },
    recurse() {
      const f = (n) => f(n + 1) + 1;
      return f(0);
    },
    spin() {
      for (;;) {
        // never returns
      }
    },
    spinLater() {
      setTimeout(() => {
        for (;;) {
          // never returns
        }
      }, 0);
      return 'spinning soon';
    },
    breakOnRestart() {
      baggage.init('breakOnRestart', true);
      return 'armed';
    },
  });
}
