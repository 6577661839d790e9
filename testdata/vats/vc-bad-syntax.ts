// vat-code corpus: a syntax error on line 5.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  const broken = ;
  return makeDefaultExo('root', { broken: () => broken });
}
