// patterns.js provides @endo/patterns' M so vat code that declares interface
// guards loads and runs. Every M.* returns an inert, frozen descriptor (a
// tagged value shaped like endo's); nothing is checked against them yet.
(function patternsModule(lib) {
  'use strict';

  const { harden, makeTagged } = lib;

  // describe makes the descriptor a tagged value when its payload is
  // passable (so patterns can be sent like endo's), else a frozen record,
  // e.g. an interface listing method guards still under construction.
  const describe = (tag, payload) => {
    harden(payload);
    try {
      return makeTagged(tag, payload);
    } catch (_) {
      return harden({ tag, payload });
    }
  };

  const matcher = (name, args) => describe(`match:${name}`, args);

  const matcherNames = [
    'any', 'and', 'or', 'not', 'scalar', 'key', 'pattern', 'kind', 'tagged',
    'boolean', 'number', 'bigint', 'nat', 'string', 'symbol', 'record',
    'array', 'set', 'bag', 'map', 'remotable', 'error', 'promise',
    'undefined', 'null', 'lt', 'lte', 'eq', 'neq', 'gte', 'gt', 'arrayOf',
    'recordOf', 'setOf', 'bagOf', 'mapOf', 'splitArray', 'splitRecord',
    'partial', 'eref', 'opt', 'raw', 'containerHas',
  ];

  // A method guard under construction: .optional(), .rest() and .returns()
  // each return a new frozen guard, as endo's builder does.
  const makeMethodGuard = (callKind, argGuards, optionalArgGuards, restArgGuard, returnGuard) => {
    const guard = describe('guard:methodGuard', {
      callKind,
      argGuards,
      optionalArgGuards,
      restArgGuard,
      returnGuard,
    });
    return harden({
      guard,
      optional: (...optional) =>
        makeMethodGuard(callKind, argGuards, harden(optional), restArgGuard, returnGuard),
      rest: rest => makeMethodGuard(callKind, argGuards, optionalArgGuards, rest, returnGuard),
      returns: returns =>
        makeMethodGuard(callKind, argGuards, optionalArgGuards, restArgGuard, returns).guard,
    });
  };

  const M = {};
  for (const name of matcherNames) {
    M[name] = (...args) => matcher(name, args);
  }
  M.interface = (interfaceName, methodGuards = {}, options = {}) =>
    describe('guard:interfaceGuard', { interfaceName, methodGuards, ...options });
  M.call = (...argGuards) =>
    makeMethodGuard('sync', harden(argGuards), undefined, undefined, undefined);
  M.callWhen = (...argGuards) =>
    makeMethodGuard('async', harden(argGuards), undefined, undefined, undefined);
  M.await = argGuard => describe('guard:awaitArgGuard', { argGuard });

  lib.M = harden(M);
});
