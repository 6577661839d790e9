// kernelutils.js is the part of @metamask/kernel-utils that vats use:
// makeDefaultExo, the discoverable exos, the S combinators, and the small
// helpers (counters, records, hex, type guards). What needs the host
// (files, relays, wake detection) is not here. It is compiled and run on
// first use (lazy.js) and answers makeKernelUtils.
(function kernelUtilsModule(lib) {
  'use strict';

  const { harden, makeDefaultExo, makeDefaultInterface, makeExo } = lib;
  const { create, defineProperty, getOwnPropertyDescriptor, entries, fromEntries, keys, values } = Object;
  const { isArray } = Array;
  const { ownKeys } = Reflect;

  const GET_DESCRIPTION = '__getDescription__';

  // mergeDisjointRecords is the union of records that share no key.
  const mergeDisjointRecords = (...records) => {
    const seen = new Map();
    const out = create(null);
    records.forEach((record, colliding) => {
      for (const key of ownKeys(record)) {
        if (seen.has(key)) {
          const original = seen.get(key);
          throw Error(`Duplicate keys in records: ${String(key)}, found in entries ${original} and ${colliding}`, {
            cause: { originalIndex: original, collidingIndex: colliding, key },
          });
        }
        seen.set(key, colliding);
        defineProperty(out, key, getOwnPropertyDescriptor(record, key));
      }
    });
    return out;
  };

  // makeDiscoverableExo is an exo that also answers __getDescription__()
  // with the schema of its methods.
  const makeDiscoverableExo = (name, methods, schema, interfaceGuard = makeDefaultInterface(name)) => {
    let all;
    try {
      all = mergeDisjointRecords(methods, { [GET_DESCRIPTION]: () => schema });
    } catch (e) {
      if (e instanceof Error && e.message.includes(`Duplicate keys in records: ${GET_DESCRIPTION}`)) {
        throw Error(`The \`${GET_DESCRIPTION}\` method name is reserved for discoverable exos.`);
      }
      throw e;
    }
    return makeExo(name, interfaceGuard, all);
  };

  // S pairs an M pattern with the JSON schema that describes it, so a
  // discoverable exo's guard and description come from one source.
  const makeS = M => {
    const withDescription = (schema, description) =>
      description === undefined ? schema : { ...schema, description };
    const leaf = (pattern, type) => description =>
      harden({ pattern, schema: withDescription({ type }, description) });
    const object = (properties, options = {}) => {
      const { optional = [], description } = options;
      const required = [];
      const requiredPatterns = {};
      const optionalPatterns = {};
      const schemaProperties = {};
      for (const [key, described] of entries(properties)) {
        schemaProperties[key] = described.schema;
        if (optional.includes(key)) {
          optionalPatterns[key] = described.pattern;
        } else {
          requiredPatterns[key] = described.pattern;
          required.push(key);
        }
      }
      return harden({
        pattern: M.splitRecord(requiredPatterns, optionalPatterns, {}),
        schema: withDescription(
          { type: 'object', properties: schemaProperties, required, additionalProperties: false },
          description,
        ),
      });
    };
    const method = (description, args, returns) => {
      const firstOptional = args.findIndex(each => each.optional);
      if (firstOptional !== -1 && args.slice(firstOptional).some(each => !each.optional)) {
        throw Error(
          'describedMethod: optional arguments must be trailing (a required argument cannot follow an optional one).',
        );
      }
      const required = args.filter(each => !each.optional);
      const optional = args.filter(each => each.optional);
      const base = M.callWhen(...required.map(each => each.described.pattern));
      const guard =
        optional.length > 0
          ? base.optional(...optional.map(each => each.described.pattern)).returns(returns.pattern)
          : base.returns(returns.pattern);
      const schemaArgs = {};
      for (const each of args) schemaArgs[each.name] = each.described.schema;
      const schema = {
        description,
        args: schemaArgs,
        required: required.map(each => each.name),
        ...(returns.schema === undefined ? {} : { returns: returns.schema }),
      };
      return harden({ guard, schema });
    };
    const describedInterface = (name, methods) => {
      const guards = {};
      const schemas = {};
      for (const [methodName, m] of entries(methods)) {
        guards[methodName] = m.guard;
        schemas[methodName] = m.schema;
      }
      return harden({
        interfaceGuard: M.interface(name, guards, { defaultGuards: 'passable' }),
        schemas,
      });
    };
    return harden({
      string: leaf(M.string(), 'string'),
      number: leaf(M.number(), 'number'),
      boolean: leaf(M.boolean(), 'boolean'),
      arrayOf: (items, description) =>
        harden({
          pattern: M.arrayOf(items.pattern),
          schema: withDescription({ type: 'array', items: items.schema }, description),
        }),
      record: description =>
        harden({
          pattern: M.record(),
          schema: withDescription({ type: 'object', properties: {}, additionalProperties: true }, description),
        }),
      object,
      nothing: () => harden({ pattern: M.undefined(), schema: undefined }),
      arg: (name, described, options = {}) => harden({ name, described, optional: options.optional || false }),
      method,
      interface: describedInterface,
    });
  };

  const makeCounter = (start = 0) => {
    let count = start;
    return () => {
      count += 1;
      return count;
    };
  };

  const ifDefined = record => fromEntries(entries(record).filter(([, v]) => v !== undefined));

  // delay needs the vat's setTimeout endowment, as it does on the
  // JavaScript kernel.
  const delay = async (ms = 1) => {
    if (typeof globalThis.setTimeout !== 'function') {
      throw TypeError('delay needs the setTimeout global: add "setTimeout" to the vat\'s globals');
    }
    return new Promise(resolve => globalThis.setTimeout(resolve, ms));
  };

  const stringifyError = error => {
    const out = { name: error.name, message: error.message, stack: error.stack };
    if (error.cause) {
      out.cause = error.cause instanceof Error ? stringifyError(error.cause) : stringify(error.cause);
    }
    if ('code' in error) out.code = error.code;
    if ('data' in error) out.data = stringify(error.data);
    return out;
  };

  // stringify is JSON with an indent, errors as records, and String() for
  // what JSON cannot write.
  const stringify = (value, indent = 2) => {
    try {
      if (value instanceof Error) return JSON.stringify(stringifyError(value), null, indent);
      const result = JSON.stringify(value, null, indent);
      return result === undefined ? String(value) : result;
    } catch (_) {
      return String(value);
    }
  };

  const isObject = x => typeof x === 'object' && x !== null && !isArray(x);
  const isPrimitive = x => x === null || (typeof x !== 'object' && typeof x !== 'function');
  const isTypedArray = (value, isElement) => isArray(value) && !value.some(x => !isElement(x));
  const isTypedObject = (value, isValue) => isObject(value) && !values(value).some(x => !isValue(x));

  // exactly: value is a record with the required keys and no others
  // than the optional ones, each passing its check.
  const exactly = (value, required, optional = {}) => {
    if (!isObject(value)) return false;
    for (const key of keys(required)) {
      if (!(key in value) || !required[key](value[key])) return false;
    }
    for (const key of keys(value)) {
      if (key in required) continue;
      if (!(key in optional) || !optional[key](value[key])) return false;
    }
    return true;
  };
  const isString = x => typeof x === 'string';
  const isStringArray = x => isTypedArray(x, isString);
  const isCapData = value => exactly(value, { body: isString, slots: isStringArray });

  const version = x => x === '2.0';
  const isId = x => x === null || typeof x === 'string' || typeof x === 'number';
  const isParams = x => isArray(x) || isObject(x);
  const isAny = () => true;
  const isRpcError = x =>
    exactly(x, { code: Number.isInteger, message: isString }, { data: isAny, stack: isString });
  const isJsonRpcRequest = v => exactly(v, { jsonrpc: version, id: isId, method: isString }, { params: isParams });
  const isJsonRpcNotification = v => exactly(v, { jsonrpc: version, method: isString }, { params: isParams });
  const isJsonRpcResponse = v =>
    exactly(v, { jsonrpc: version, id: isId, result: isAny }) ||
    exactly(v, { jsonrpc: version, id: isId, error: isRpcError });
  const isJsonRpcCall = v => isJsonRpcRequest(v) || isJsonRpcNotification(v);
  const isJsonRpcMessage = v => isJsonRpcCall(v) || isJsonRpcResponse(v);
  const isVatBundle = v =>
    exactly(v, { moduleFormat: x => x === 'iife', code: isString, exports: isStringArray, external: isStringArray });

  const toHex = bytes => {
    let out = '';
    for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
    return out;
  };
  // fromHex fills a 32-byte array from up to 64 hex digits, as the
  // JavaScript kernel's does.
  const fromHex = str => {
    if (str.length > 64) throw Error('Check failed');
    const bytes = new Uint8Array(32);
    for (let i = 0; i < str.length / 2; i += 1) bytes[i] = parseInt(str.slice(i * 2, i * 2 + 2), 16);
    return bytes;
  };

  // makeKernelUtils answers the namespaces of @metamask/kernel-utils and
  // its /discoverable entry.
  const makeKernelUtils = () => {
    const discoverable = { makeDiscoverableExo, GET_DESCRIPTION };
    const main = {
      makeDefaultExo,
      makeDefaultInterface,
      ...discoverable,
      S: makeS(lib.getPatternKit().M),
      mergeDisjointRecords,
      makeCounter,
      ifDefined,
      delay,
      stringify,
      isPrimitive,
      isTypedArray,
      isTypedObject,
      isCapData,
      isJsonRpcCall,
      isJsonRpcMessage,
      isVatBundle,
      toHex,
      fromHex,
      EmptyJsonArray: harden([]),
    };
    return { main, discoverable };
  };

  return makeKernelUtils;
});
