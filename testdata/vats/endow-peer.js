// Counts the ticks other vats send it (from timer callbacks).
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  let ticks = 0;
  return makeDefaultExo('root', {
    bootstrap() {},
    tick() {
      ticks += 1;
      return ticks;
    },
    ticks() {
      return ticks;
    },
  });
}
