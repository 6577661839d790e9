// vat-code corpus: buildRootObject answers a promise that never settles.
export function buildRootObject() {
  return new Promise(() => {});
}
