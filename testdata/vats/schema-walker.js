// A service user for the schema walk (schema_e2e_test.go): besides plain
// calls, it pipelines a send onto the result of a service call, so the
// send waits in the kernel on that promise's queue.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters, baggage) {
  return makeDefaultExo('root', {
    bootstrap(vats, services) {
      baggage.init('services', services);
      return Object.keys(services).sort().join(',');
    },
    // call(service, method, ...args) answers the service's result.
    call(service, method, ...args) {
      return E(baggage.get('services')[service])[method](...args);
    },
    // followUp(service, method) sends method() to the service and, without
    // waiting, followUp() to what it will return.
    followUp(service, method) {
      return E(E(baggage.get('services')[service])[method]()).followUp();
    },
  });
}
