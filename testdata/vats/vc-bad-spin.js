// vat-code corpus: buildRootObject never returns.
export function buildRootObject() {
  for (;;) {
    // spin
  }
}
