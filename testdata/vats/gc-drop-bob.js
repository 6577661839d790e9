// The importer of the gc-drop cluster: it lets go of what it is shown and
// holds what it is told to keep.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  let kept;
  return makeDefaultExo('root', {
    look(x) {
      return typeof x;
    },
    keep(x) {
      kept = x;
    },
    askKept() {
      return E(kept).n();
    },
  });
}
