// console.js builds the vat's console and the @metamask/logger module, whose
// Logger is also vatPowers.logger. Both end in one host call,
// log(level, tags, line), which the Go side sends to the kernel log tagged
// with the vat.
(function consoleModule(lib) {
  'use strict';

  // The intrinsics, taken before vat code's WeakMap and WeakSet replace
  // them (weakcollections.js).
  const { WeakMap, WeakSet } = globalThis;

  const { harden, formatArgs } = lib;
  const { isArray } = Array;

  // makeConsole: console.log is "info", like the kernel's other loggers.
  const makeConsole = log =>
    harden({
      log: (...args) => log('info', '', formatArgs(args)),
      info: (...args) => log('info', '', formatArgs(args)),
      warn: (...args) => log('warn', '', formatArgs(args)),
      error: (...args) => log('error', '', formatArgs(args)),
      debug: (...args) => log('debug', '', formatArgs(args)),
      trace: (...args) => log('trace', '', formatArgs(args)),
      dir: (...args) => log('info', '', formatArgs(args)),
    });

  // The logger's levels, in its order, and the kernel log's level of each.
  const logLevels = { debug: 1, info: 2, log: 3, warn: 4, error: 5 };
  const kernelLevel = level => (level === 'log' ? 'info' : level);

  const unique = list => list.filter((x, i) => list.indexOf(x) === i);

  const mergeOptions = (...options) =>
    options.reduce(
      (acc, option) => ({
        transports: unique([...acc.transports, ...(option.transports || [])]),
        tags: unique([...acc.tags, ...(option.tags || [])]),
      }),
      { transports: [], tags: [] },
    );

  // entryArgs are what a console prints for a log entry: the message, if
  // any, then the data.
  const entryArgs = entry => [...(entry.message ? [entry.message] : []), ...(entry.data || [])];

  // makeLoggerModule(log) is @metamask/logger over the host's log call:
  // Logger as the JavaScript kernel has it (tags accumulated by subLogger,
  // transports called with {level, tags, message, data}), whose default
  // transport writes to the kernel log with the tags as a field, and the
  // array and console transports. Streams (injectStream,
  // makeStreamTransport, splitLoggerStream) have no place in a vat here.
  const makeLoggerModule = log => {
    const vatTransport = entry =>
      log(kernelLevel(entry.level), entry.tags.join(','), formatArgs(entryArgs(entry)));

    const parseOptions = options => {
      switch (typeof options) {
        case 'object':
          if (options === null) break;
          return options.transports ? options : { transports: [vatTransport], ...options };
        case 'string':
          return { tags: [options], transports: [vatTransport] };
        case 'undefined':
          return { transports: [vatTransport] };
        default:
      }
      throw Error('Invalid logger options');
    };

    const optionsOf = new WeakMap();
    class Logger {
      constructor(options = undefined) {
        const own = parseOptions(options);
        if (own.tags !== undefined && !isArray(own.tags)) throw TypeError('Logger: tags must be an array of strings');
        optionsOf.set(this, own);
        const bind = level =>
          harden((...args) => {
            const { transports, tags } = mergeOptions(own);
            const [message, ...data] = args;
            const entry = harden({ level, tags, message, data });
            transports.forEach(transport => transport(entry));
          });
        this.debug = bind('debug');
        this.info = bind('info');
        this.log = bind('log');
        this.warn = bind('warn');
        this.error = bind('error');
      }

      subLogger(options = {}) {
        const own = optionsOf.get(this);
        if (own === undefined) throw TypeError('subLogger must be called on a Logger');
        const more = typeof options === 'string' ? { tags: [options] } : options;
        if (more === null || typeof more !== 'object') throw Error('Invalid logger options');
        if (more.tags !== undefined && !isArray(more.tags)) {
          throw TypeError('subLogger: tags must be an array of strings');
        }
        return new Logger(mergeOptions(own, more));
      }
    }
    harden(Logger);

    // makeConsoleTransport writes entries at or above level to the vat's
    // console, the tags first when asked for (as the JavaScript kernel's).
    const makeConsoleTransport = (options = {}) => {
      const { level = 'debug', tags = false } = options;
      const base = logLevels[level];
      if (base === undefined) throw TypeError(`makeConsoleTransport: unknown level ${String(level)}`);
      return harden(entry => {
        if (logLevels[entry.level] < base) return;
        const args = [...(tags && entry.tags.length > 0 ? [entry.tags] : []), ...entryArgs(entry)];
        log(kernelLevel(entry.level), '', formatArgs(args));
      });
    };

    const makeArrayTransport = target => harden(entry => target.push(entry));

    return harden({ Logger, makeConsoleTransport, makeArrayTransport });
  };

  lib.makeConsole = makeConsole;
  lib.makeLoggerModule = makeLoggerModule;
});
