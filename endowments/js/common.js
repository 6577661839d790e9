// common.js holds what several endowments share: DOMException (the error
// type Web APIs throw), BufferSource conversion, and the freezing helper
// used on objects vat code can reach.
(function commonModule(lib) {
  'use strict';

  const { defineProperty, freeze, getOwnPropertyNames, getPrototypeOf } = Object;

  // Legacy numeric codes, as browsers still report them.
  const codes = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4,
    InvalidCharacterError: 5, NoModificationAllowedError: 7, NotFoundError: 8,
    NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
    InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
    TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
    URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23,
    InvalidNodeTypeError: 24, DataCloneError: 25,
  };

  // DOMException is an Error whose name says which Web API failure it is.
  // It is not a global of its own (it is not among the endowment names),
  // but vat code meets it as the class of the errors it catches.
  class DOMException extends Error {
    constructor(message = '', name = 'Error') {
      super(String(message));
      defineProperty(this, 'name', { value: String(name), configurable: true, writable: true });
    }

    get code() {
      return codes[this.name] || 0;
    }
  }

  // harden is liveslots' when the vat has one (always, in a worker); bare
  // runtimes in tests fall back to freezing own properties and prototypes
  // of our own objects.
  const simpleHarden = root => {
    const seen = new Set();
    const walk = x => {
      if ((typeof x !== 'object' && typeof x !== 'function') || x === null || seen.has(x)) return;
      seen.add(x);
      freeze(x);
      for (const name of getOwnPropertyNames(x)) {
        const desc = Object.getOwnPropertyDescriptor(x, name);
        if ('value' in desc) walk(desc.value);
        else {
          walk(desc.get);
          walk(desc.set);
        }
      }
      const proto = getPrototypeOf(x);
      if (proto !== Object.prototype && proto !== Function.prototype && proto !== Error.prototype) walk(proto);
    };
    walk(root);
    return root;
  };
  const harden = typeof globalThis.harden === 'function' ? globalThis.harden : simpleHarden;

  const isObject = x => (typeof x === 'object' && x !== null) || typeof x === 'function';

  // toBuffer copies a BufferSource (ArrayBuffer or any view) into a fresh
  // ArrayBuffer, the one shape the Go side reads bytes from.
  const toBuffer = (x, what) => {
    if (x instanceof ArrayBuffer) return x.slice(0);
    if (ArrayBuffer.isView(x)) return x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength);
    throw new TypeError(`${what}: expected an ArrayBuffer or a view of one`);
  };

  // report logs an exception no vat code can catch, on the vat's logger.
  const report = (where, e) => {
    let text;
    try {
      text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    } catch (_) {
      text = '(unprintable)';
    }
    lib.host_report(where, text);
  };

  harden(DOMException);
  return { DOMException, harden, isObject, toBuffer, report };
});
