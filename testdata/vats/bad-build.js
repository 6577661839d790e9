export function buildRootObject() {
  throw new Error('buildRootObject refuses to build');
}
