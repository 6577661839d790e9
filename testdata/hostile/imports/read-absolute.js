// Tries to read /etc/passwd into the bundle: the bundler must refuse.
import stolen from '/etc/passwd' with { type: 'text' };

export function buildRootObject() {
  return { stolen: () => stolen };
}
