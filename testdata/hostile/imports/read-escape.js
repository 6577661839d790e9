// Tries to read ../../../go.mod into the bundle: the bundler must refuse.
import stolen from '../../../go.mod' with { type: 'text' };

export function buildRootObject() {
  return { stolen: () => stolen };
}
