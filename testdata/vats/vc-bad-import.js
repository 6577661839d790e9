// vat-code corpus: an import nothing provides.
import leftPad from 'left-pad';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  return makeDefaultExo('root', { pad: s => leftPad(s, 5) });
}
