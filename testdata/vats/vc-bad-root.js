// vat-code corpus: the root is a plain record, not a remotable.
export function buildRootObject() {
  return harden({ hello: 'world' });
}
