// A vat that keeps the services it was given in baggage and calls them on
// the host's behalf.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters, baggage) {
  const services = baggage.has('services') ? baggage.get('services') : {};
  return makeDefaultExo('root', {
    bootstrap(vats, given) {
      baggage.init('services', given);
      if (!baggage.has('bootstraps')) {
        baggage.init('bootstraps', 0);
      }
      baggage.set('bootstraps', baggage.get('bootstraps') + 1);
      return Object.keys(given).sort().join(',');
    },
    bootstraps() {
      return baggage.get('bootstraps');
    },
    // call(service, method, ...args) sends to a service and answers its result.
    call(service, method, ...args) {
      const svc = baggage.get('services')[service];
      return E(svc)[method](...args);
    },
    // tryCall is call, with a rejection turned into {name, message}.
    async tryCall(service, method, ...args) {
      try {
        return await E(baggage.get('services')[service])[method](...args);
      } catch (e) {
        return harden({ name: e.name, message: e.message });
      }
    },
    hasService(name) {
      return Object.hasOwn(services, name);
    },
  });
}
