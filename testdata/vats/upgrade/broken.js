// A version whose buildRootObject throws: the upgrade fails.
export function buildRootObject() {
  throw Error('version 3 is broken');
}
