// A vat that exhausts its memory while it starts: buildRootObject never
// returns.
export function buildRootObject() {
  const kept = [];
  for (;;) {
    kept.push(new Array(1 << 20).fill(kept.length));
  }
}
