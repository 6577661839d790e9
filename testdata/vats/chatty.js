// A vat that talks: say() writes to its console, fail() throws.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  console.log('chatty is up');
  return makeDefaultExo('root', {
    bootstrap() {
      return 'chatty is ready';
    },
    say(text) {
      console.log(`chatty says ${text}`);
      return text;
    },
    fail() {
      throw Error('chatty cannot');
    },
  });
}
