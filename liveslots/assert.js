// assert.js installs the vat's `assert` global, the SES one in small: a
// callable check plus equal, typeof, string, fail, note, details (X), quote
// (q), bare (b), makeError and Fail. @endo/errors exports the same pieces.
// In a message made with details, a substituted value shows only its type
// ("(a string)") unless it went through quote, as SES redacts it.
(function assertModule(lib) {
  'use strict';

  const { harden, inspect, defineGlobal } = lib;
  const { freeze } = Object;
  const { isArray } = Array;

  const an = word => (/^[aeiouAEIOU]/.test(word) ? `an ${word}` : `a ${word}`);

  // Values wrapped by quote or bare, and the parts of details tokens.
  const quoted = new WeakMap(); // token -> text
  const detailsParts = new WeakMap(); // token -> { template, args }

  const quote = payload => {
    const text = inspect(payload);
    const token = freeze({ toString: () => text });
    quoted.set(token, text);
    return token;
  };

  const bare = payload => {
    const text = typeof payload === 'string' ? payload : inspect(payload);
    const token = freeze({ toString: () => text });
    quoted.set(token, text);
    return token;
  };

  const renderArg = arg => {
    if ((typeof arg === 'object' && arg !== null) || typeof arg === 'function') {
      const text = quoted.get(arg);
      if (text !== undefined) return text;
      if (detailsParts.has(arg)) return messageOf(arg);
      if (arg instanceof Error) {
        let name = 'Error';
        try {
          name = String(arg.name);
        } catch (_) {
          // keep the default
        }
        return `(${an(name)})`;
      }
    }
    return `(${an(typeof arg)})`;
  };

  // messageOf renders a details token (or a plain string) as a message.
  const messageOf = details => {
    if (typeof details === 'string') return details;
    const parts = detailsParts.get(details);
    if (parts === undefined) return String(details);
    const { template, args } = parts;
    let out = template[0];
    for (let i = 0; i < args.length; i += 1) {
      out += renderArg(args[i]) + template[i + 1];
    }
    return out;
  };

  const details = (template, ...args) => {
    if (!isArray(template)) {
      throw TypeError('assert.details is a template tag: use X`...`');
    }
    const token = freeze({ toString: () => messageOf(token) });
    detailsParts.set(token, { template: freeze([...template]), args: freeze(args) });
    return token;
  };

  const makeError = (optDetails = 'Assert failed', ErrorCtor = Error, options = {}) => {
    const message = messageOf(optDetails);
    const err =
      options && options.cause !== undefined
        ? new ErrorCtor(message, { cause: options.cause })
        : new ErrorCtor(message);
    return err;
  };

  const fail = (optDetails = 'Assert failed', ErrorCtor = Error) => {
    throw makeError(optDetails, ErrorCtor);
  };

  // Fail`...` throws at once: `cond || Fail\`...\``.
  const Fail = (template, ...args) => {
    throw makeError(details(template, ...args));
  };

  const assert = (flag, optDetails = 'Check failed', ErrorCtor = Error) => {
    if (!flag) throw makeError(optDetails, ErrorCtor);
  };

  const equal = (actual, expected, optDetails = undefined, ErrorCtor = RangeError) => {
    if (!Object.is(actual, expected)) {
      throw makeError(
        optDetails === undefined ? details`Expected ${actual} is same as ${expected}` : optDetails,
        ErrorCtor,
      );
    }
  };

  const assertTypeof = (specimen, typename, optDetails = undefined) => {
    if (typeof typename !== 'string') Fail`${quote(typename)} must be a string`;
    if (typeof specimen !== typename) {
      throw makeError(
        optDetails === undefined ? details`${specimen} must be ${bare(an(typename))}` : optDetails,
        TypeError,
      );
    }
  };

  const assertString = (specimen, optDetails = undefined) =>
    assertTypeof(specimen, 'string', optDetails);

  // Notes attach extra details to an error for the console in SES; here
  // they are accepted and dropped.
  const note = (_error, _details) => undefined;

  assert.equal = equal;
  assert.typeof = assertTypeof;
  assert.string = assertString;
  assert.fail = fail;
  assert.note = note;
  assert.details = details;
  assert.quote = quote;
  assert.bare = bare;
  assert.makeError = makeError;
  assert.error = makeError;
  assert.Fail = Fail;
  harden(assert);

  defineGlobal('assert', assert);

  lib.assert = assert;
  lib.errorsModule = harden({
    assert,
    Fail,
    X: details,
    q: quote,
    b: bare,
    details,
    quote,
    bare,
    makeError,
    annotateError: note,
    note,
    redacted: details,
    throwRedacted: Fail,
  });
});
