// vat-code corpus: the JavaScript kernel's own vat modules, used the way its
// vats use them: a Logger (vatPowers.logger or a new one) with sub-loggers,
// a discoverable exo with its method schema, kernel-utils helpers and S.
import { E } from '@endo/eventual-send';
import { makeCounter, S, stringify } from '@metamask/kernel-utils';
import { makeDiscoverableExo } from '@metamask/kernel-utils/discoverable';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';
import { Logger } from '@metamask/logger';

type Powers = { logger?: Logger };

const temperature = S.interface('Temperature', {
  toFahrenheit: S.method('Converts to Fahrenheit', [S.arg('celsius', S.number('degrees Celsius'))], S.number()),
});

export function buildRootObject(vatPowers: Powers, parameters: object) {
  const logger = (vatPowers.logger ?? new Logger()).subLogger({ tags: ['modules'] });
  const standalone = new Logger('standalone');
  const nextCall = makeCounter();

  const calculator = makeDiscoverableExo(
    'Calculator',
    {
      add: (a: number, b: number) => a + b,
      greet: (name: string) => `Hello, ${name}!`,
    },
    {
      add: {
        description: 'Adds two numbers together',
        args: { a: { type: 'number', description: 'First number' }, b: { type: 'number', description: 'Second number' } },
        returns: { type: 'number', description: 'The sum' },
      },
      greet: {
        description: 'Greets a person by name',
        args: { name: { type: 'string', description: 'Who' } },
        returns: { type: 'string', description: 'A greeting' },
      },
    },
  );
  const celsius = makeDiscoverableExo(
    'Temperature',
    { toFahrenheit: async (c: number) => (c * 9) / 5 + 32 },
    temperature.schemas,
    temperature.interfaceGuard,
  );

  return makeDefaultExo('root', {
    bootstrap() {
      logger.info('modules vat ready');
      return 'modules ready';
    },
    getCalculator: () => calculator,
    getCelsius: () => celsius,
    describeLocally: () => E(celsius).__getDescription__(),
    // A mistake: the exo has no such method. The caller reads the error in
    // V8's words, as on the JavaScript kernel.
    misuse: () => (celsius as unknown as { getFahrenheit(): number }).getFahrenheit(),
    readMissing: () => (parameters as { missing?: { deep: number } }).missing!.deep,
    log(message: string) {
      const n = nextCall();
      logger.log(`${message} ${n}`, { n });
      logger.subLogger('deeper').warn(`${message} deeper`);
      standalone.error(`${message} standalone`);
      return stringify({ n }, 0);
    },
  });
}
