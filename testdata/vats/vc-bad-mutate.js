// vat-code corpus: buildRootObject tries to change a frozen intrinsic.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  Array.prototype.map = function map() {
    return [];
  };
  return makeDefaultExo('root', {});
}
