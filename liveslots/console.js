// console.js builds the vat's console and vatPowers.logger. Both end in one
// host call, log(level, tags, line), which the Go side sends to the kernel log
// tagged with the vat.
(function consoleModule(lib) {
  'use strict';

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

  // makeLogger builds vatPowers.logger; subLogger({tags}) adds tags that
  // appear on every line it writes.
  const makeLogger = (log, tags) => {
    const joined = tags.join(',');
    const logger = {
      log: (...args) => log('info', joined, formatArgs(args)),
      info: (...args) => log('info', joined, formatArgs(args)),
      warn: (...args) => log('warn', joined, formatArgs(args)),
      error: (...args) => log('error', joined, formatArgs(args)),
      debug: (...args) => log('debug', joined, formatArgs(args)),
      subLogger: (options = {}) => {
        const more = options.tags === undefined ? [] : options.tags;
        if (!isArray(more)) throw TypeError('subLogger: tags must be an array of strings');
        return makeLogger(log, [...tags, ...more.map(tag => String(tag))]);
      },
    };
    return harden(logger);
  };

  lib.makeConsole = makeConsole;
  lib.makeLogger = makeLogger;
});
