// A vat that never finishes buildRootObject: a daemon launching it as a
// system subcluster stays "starting" until the launch times out.
export function buildRootObject() {
  for (;;) {
    // spin
  }
}
