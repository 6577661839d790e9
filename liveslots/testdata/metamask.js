// A test vat using the JavaScript kernel's own modules as its vats do:
// @metamask/logger, @metamask/kernel-utils and its /discoverable entry.
var __ocapVat = (() => {
  const { Logger, makeArrayTransport, makeConsoleTransport } = __ocap_require('@metamask/logger');
  const utils = __ocap_require('@metamask/kernel-utils');
  const { makeDiscoverableExo, GET_DESCRIPTION } = __ocap_require('@metamask/kernel-utils/discoverable');
  const { E } = __ocap_require('@endo/eventual-send');

  const threw = f => {
    try {
      return f();
    } catch (e) {
      return `threw ${e.name}: ${e.message}`;
    }
  };

  function buildRootObject(vatPowers) {
    const logger = (vatPowers.logger || new Logger()).subLogger({ tags: ['mm'] });
    const { S } = utils;
    const described = S.interface('Greeter', {
      greet: S.method('Greets someone', [S.arg('name', S.string('who')), S.arg('times', S.number(), { optional: true })], S.string('the greeting')),
    });
    const greeter = makeDiscoverableExo(
      'Greeter',
      { greet: (name, times = 1) => `hello ${name}`.repeat(times) },
      described.schemas,
      described.interfaceGuard,
    );
    const calculator = makeDiscoverableExo('Calculator', { add: (a, b) => a + b }, { add: { description: 'Adds', args: {} } });

    return utils.makeDefaultExo('root', {
      log() {
        logger.info('mm info', { n: 1 });
        logger.subLogger('deeper').warn('mm warn');
        new Logger('standalone').log('mm standalone');
        new Logger().error('mm untagged');
        const entries = [];
        const arrayLogger = new Logger({ tags: ['a'], transports: [makeArrayTransport(entries)] });
        arrayLogger.subLogger({ tags: ['b'] }).debug('to the array', 7);
        const quiet = new Logger({ tags: ['t'], transports: [makeConsoleTransport({ level: 'warn', tags: true })] });
        quiet.info('mm filtered out');
        quiet.error('mm console transport');
        return harden({
          entries: entries.map(e => [e.level, e.tags, e.message, e.data]),
          isLogger: vatPowers.logger instanceof Logger && logger instanceof Logger,
          keys: Object.keys(logger).sort(),
          badOptions: threw(() => new Logger(5)),
        });
      },
      discover() {
        return harden({
          greeter: greeter[GET_DESCRIPTION](),
          calculator: calculator[GET_DESCRIPTION](),
          sum: calculator.add(2, 3),
          reserved: threw(() => makeDiscoverableExo('X', { [GET_DESCRIPTION]: () => 1 }, {})),
        });
      },
      getGreeter: () => greeter,
      greetLater: (...args) => E(greeter).greet(...args),
      helpers() {
        const next = utils.makeCounter(10);
        return harden({
          counter: [next(), next()],
          merged: Object.keys(utils.mergeDisjointRecords({ a: 1 }, { b: 2 })),
          clash: threw(() => utils.mergeDisjointRecords({ a: 1 }, { a: 2 })),
          ifDefined: utils.ifDefined({ a: 1, b: undefined }),
          stringify: [utils.stringify({ a: [1] }, 0), utils.stringify(1n), utils.stringify(undefined)],
          typed: [utils.isTypedArray([1, 2], x => typeof x === 'number'), utils.isTypedArray([1, 'x'], x => typeof x === 'number')],
          typedObject: utils.isTypedObject({ a: 's' }, x => typeof x === 'string'),
          primitive: [utils.isPrimitive(null), utils.isPrimitive({})],
          capData: [utils.isCapData({ body: '#1', slots: [] }), utils.isCapData({ body: '#1', slots: [], x: 1 })],
          rpc: [
            utils.isJsonRpcMessage({ jsonrpc: '2.0', id: 1, method: 'm', params: [] }),
            utils.isJsonRpcMessage({ jsonrpc: '2.0', id: 1, result: null }),
            utils.isJsonRpcCall({ jsonrpc: '2.0', method: 'n' }),
            utils.isJsonRpcCall({ jsonrpc: '1.0', method: 'n' }),
          ],
          hex: [utils.toHex(new Uint8Array([1, 171])), utils.toHex(utils.fromHex('01ab').slice(0, 3))],
          delay: threw(() => utils.delay(1)) instanceof Promise,
        });
      },
    });
  }
  return { buildRootObject };
})();
