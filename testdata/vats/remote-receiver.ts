import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

// A vat other kernels reach through an ocap URL: bootstrap issues one for
// the vat named receiver; the root answers hello, calls back objects
// handed to it, makes counters, fails on demand and counts bumps (in
// baggage, with the numbers seen, so a test can check each arrived once).
export function buildRootObject(
  { logger }: { logger: { log: (...args: unknown[]) => void } },
  parameters: { name?: string } = {},
  baggage: { has(k: string): boolean; get(k: string): any; init(k: string, v: unknown): void; set(k: string, v: unknown): void },
) {
  const name = parameters?.name ?? 'RemoteReceiver';
  if (!baggage.has('bumps')) {
    baggage.init('bumps', 0);
    baggage.init('twice', 0);
    baggage.init('distinct', 0);
  }
  return makeDefaultExo('remoteReceiverRoot', {
    async bootstrap(vats: { receiver?: unknown }, services: { ocapURLIssuerService?: unknown }) {
      const issuer = services.ocapURLIssuerService;
      if (issuer && vats.receiver) {
        const url = await E(issuer).issue(vats.receiver);
        logger.log(`url for receiver: ${url}`);
        return { message: `${name} bootstrap complete`, ocapURL: url };
      }
      return { message: `${name} bootstrap complete` };
    },
    hello(from: string) {
      return `${name} says hello back to ${from}`;
    },
    callBack(obj: unknown, method: string, ...args: unknown[]) {
      return E(obj)[method](...args);
    },
    makeCounter() {
      let n = 0;
      return makeDefaultExo('counter', { incr: () => (n += 1) });
    },
    fail() {
      throw new RangeError(`${name} cannot`);
    },
    bump(i: number) {
      const key = `seen.${i}`;
      if (baggage.has(key)) {
        baggage.set('twice', baggage.get('twice') + 1);
      } else {
        baggage.init(key, true);
        baggage.set('distinct', baggage.get('distinct') + 1);
      }
      baggage.set('bumps', baggage.get('bumps') + 1);
      return i;
    },
    bumps() {
      return { bumps: baggage.get('bumps'), twice: baggage.get('twice'), distinct: baggage.get('distinct') };
    },
  });
}
