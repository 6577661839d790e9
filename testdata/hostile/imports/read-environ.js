// Tries to read /proc/self/environ into the bundle: the bundler must refuse.
import stolen from '/proc/self/environ' with { type: 'text' };

export function buildRootObject() {
  return { stolen: () => stolen };
}
