// The bystander: another subcluster that must keep answering while an
// attacker does its worst.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  return makeDefaultExo('bystander', {
    bootstrap() {
      return 'bystander is ready';
    },
    hello() {
      return 'still here';
    },
  });
}
