// Tries to read ../../../../../../../../../../dev/zero into the bundle: the bundler must refuse.
import stolen from '../../../../../../../../../../dev/zero' with { type: 'text' };

export function buildRootObject() {
  return { stolen: () => stolen };
}
