import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

// A vat that redeems ocap URLs of other kernels and calls through them.
// It keeps the redemption service in baggage: after a restart bootstrap
// does not run again.
export function buildRootObject(
  { logger }: { logger: { log: (...args: unknown[]) => void } },
  parameters: { name?: string } = {},
  baggage: { has(k: string): boolean; get(k: string): any; init(k: string, v: unknown): void },
) {
  const name = parameters?.name ?? 'RemoteSender';
  let redeemer: unknown = baggage.has('redeemer') ? baggage.get('redeemer') : undefined;
  return makeDefaultExo('remoteSenderRoot', {
    bootstrap(_vats: unknown, services: { ocapURLRedemptionService?: unknown }) {
      redeemer = services.ocapURLRedemptionService;
      baggage.init('redeemer', redeemer);
      return { message: `${name} bootstrap complete` };
    },
    async sendMessage(url: string, method: string, args: unknown[] = []) {
      const remote = await E(redeemer).redeem(url);
      const result = await E(remote)[method](...args);
      logger.log(`${name} got result:`, result);
      return result;
    },
    // Both sends leave before the first answer comes back.
    pipeline(url: string) {
      const counter = E(E(redeemer).redeem(url)).makeCounter();
      return Promise.all([E(counter).incr(), E(counter).incr()]);
    },
    // n bumps, sent at once; answers when every one was answered.
    async bumpAll(url: string, n: number) {
      const remote = E(redeemer).redeem(url);
      const answers = await Promise.all(Array.from({ length: n }, (_, i) => E(remote).bump(i)));
      return answers.length;
    },
    hello(from: string) {
      return `${name} received hello from ${from}`;
    },
  });
}
