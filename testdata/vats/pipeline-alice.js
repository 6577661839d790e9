// Alice sends to promises she has not awaited: the kernel routes those sends
// to bob when the promises resolve, without another trip through alice.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters, baggage) {
  let bob;
  return makeDefaultExo('root', {
    bootstrap(vats) {
      bob = vats.bob;
    },
    // Three increments pipelined on the unresolved counter: [1, 2, 3].
    pipeline() {
      const counter = E(bob).makeCounter();
      return Promise.all([E(counter).increment(), E(counter).increment(), E(counter).increment()]);
    },
    // E(E(bob).makeCounter()).increment() in one expression.
    nested() {
      return E(E(bob).makeCounter()).increment();
    },
    // A send pipelined onto a promise that rejects rejects the same way.
    pipelineRejected() {
      return E(E(bob).makeBroken()).increment();
    },
    // A send pipelined onto a promise fulfilled with data rejects.
    pipelineData() {
      return E(E(bob).getData()).increment();
    },
    // A result promise passed as an argument before it resolves.
    resultAsArgument() {
      const counter = E(bob).makeCounter();
      return E(bob).incrementVia(counter);
    },
    // Errors thrown in bob, as alice sees them.
    async callThrower(method) {
      try {
        await E(bob)[method]();
        return 'no error';
      } catch (e) {
        return harden({ name: e.name, message: e.message });
      }
    },
    relay(method) {
      return E(bob)[method]();
    },
  });
}
