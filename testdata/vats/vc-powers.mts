// vat-code corpus: vatPowers (the logger and its subLoggers) and the
// parameters the cluster config gives, in a .mts source.
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

type Logger = {
  log(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  subLogger(options: { tags: string[] }): Logger;
};

export function buildRootObject(
  vatPowers: { logger: Logger },
  parameters: { name: string; n: number; nested: { list: unknown[] } },
) {
  const { logger } = vatPowers;
  logger.info('vc-powers starting', parameters.name);
  return makeDefaultExo('root', {
    parameters: () => parameters,
    parametersFrozen: () => Object.isFrozen(parameters) && Object.isFrozen(parameters.nested.list),
    loggerShape: () =>
      harden(Object.keys(logger).sort().map(k => `${k}:${typeof (logger as Record<string, unknown>)[k]}`)),
    log(tag: string) {
      logger.log(`vc log ${tag}`);
      logger.debug(`vc debug ${tag}`);
      logger.info(`vc info ${tag}`);
      logger.warn(`vc warn ${tag}`);
      logger.error(`vc error ${tag}`);
      const sub = logger.subLogger({ tags: ['vc-sub'] });
      sub.info(`vc sub ${tag}`);
      sub.subLogger({ tags: ['deeper'] }).warn(`vc subsub ${tag}`);
      console.log(`vc console ${tag}`, { n: 1 });
      return 'logged';
    },
  });
}
