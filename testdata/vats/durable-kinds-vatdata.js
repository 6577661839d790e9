// Durable counters made with VatData.defineDurableKind over a kind handle
// kept in baggage: the kind is defined again at each start, and the
// counters keep their state and krefs across restarts.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject({ VatData }, _parameters, baggage) {
  if (!baggage.has('counterKind')) {
    baggage.init('counterKind', VatData.makeKindHandle('counter'));
  }
  const makeCounter = VatData.defineDurableKind(baggage.get('counterKind'), name => ({ name, count: 0 }), {
    increment: ({ state }) => {
      state.count += 1;
      return `${state.name}=${state.count}`;
    },
  });
  return makeDefaultExo('kinds', {
    makeCounter: name => makeCounter(name),
  });
}
