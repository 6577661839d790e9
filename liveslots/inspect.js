// inspect.js renders any value as short JSON-ish text for console lines and
// error messages. It never throws and never runs vat code: properties are
// read through their descriptors, so getters are shown, not called.
(function inspectModule(lib) {
  'use strict';

  const { getPrototypeOf, getOwnPropertyDescriptor, keys } = Object;
  const { isArray } = Array;
  const { stringify } = JSON;

  // getIface is filled in by passstyle.js; until then nothing is remotable.
  let getIface = () => undefined;
  // isTagged likewise: tagged values show as makeTagged(tag, payload), and
  // patterns (tags "match:<name>") as the M call that builds them.
  let isTagged = () => false;

  // readData finds key along the prototype chain without calling getters
  // (liveslots' own override accessors excepted: they only return a value).
  const readData = (obj, key) => {
    for (let o = obj; o !== null; o = getPrototypeOf(o)) {
      const desc = getOwnPropertyDescriptor(o, key);
      if (desc !== undefined) {
        if ('value' in desc) return desc.value;
        return lib.isOverrideGetter(desc.get) ? desc.get() : undefined;
      }
    }
    return undefined;
  };

  const maxDepth = 3;
  const maxEntries = 20;
  const maxLength = 500;

  const inspectInner = (x, depth, seen) => {
    switch (typeof x) {
      case 'string':
        return stringify(x);
      case 'bigint':
        return `${x}n`;
      case 'symbol':
        return String(x);
      case 'undefined':
        return 'undefined';
      case 'number':
        return Object.is(x, -0) ? '-0' : String(x);
      case 'boolean':
        return String(x);
      default:
        break;
    }
    if (x === null) return 'null';
    const iface = getIface(x);
    if (iface !== undefined) return `[${iface}]`;
    if (typeof x === 'function') {
      return `[Function ${readData(x, 'name') || '(anonymous)'}]`;
    }
    if (isTagged(x)) return inspectTagged(x, depth, seen);
    if (x instanceof Promise) return '[Promise]';
    if (x instanceof Error) {
      return `${String(readData(x, 'name'))}: ${String(readData(x, 'message'))}`;
    }
    if (seen.includes(x)) return '[Circular]';
    if (depth >= maxDepth) return isArray(x) ? '[Array]' : '[Object]';
    seen.push(x);
    const show = key => {
      const desc = getOwnPropertyDescriptor(x, key);
      if (desc === undefined) return 'undefined';
      if (!('value' in desc)) return '[Getter]';
      return inspectInner(desc.value, depth + 1, seen);
    };
    let out;
    if (isArray(x)) {
      const parts = [];
      const n = x.length < maxEntries ? x.length : maxEntries;
      for (let i = 0; i < n; i += 1) parts.push(show(String(i)));
      if (x.length > maxEntries) parts.push(`... ${x.length - maxEntries} more`);
      out = `[${parts.join(',')}]`;
    } else {
      const names = keys(x);
      const parts = [];
      for (let i = 0; i < names.length && i < maxEntries; i += 1) {
        parts.push(`${stringify(names[i])}:${show(names[i])}`);
      }
      if (names.length > maxEntries) parts.push(`... ${names.length - maxEntries} more`);
      const proto = getPrototypeOf(x);
      const ctor =
        proto !== null && proto !== Object.prototype
          ? readData(proto, 'constructor')
          : undefined;
      const ctorName = typeof ctor === 'function' ? readData(ctor, 'name') : '';
      const prefix = typeof ctorName === 'string' && ctorName ? `${ctorName} ` : '';
      out = `${prefix}{${parts.join(',')}}`;
    }
    seen.pop();
    return out;
  };

  // kindShorthands are the M calls that build a "match:kind" pattern.
  const kindShorthands = ['boolean', 'number', 'remotable', 'error', 'promise', 'undefined'];

  const inspectTagged = (x, depth, seen) => {
    const tag = x[Symbol.toStringTag];
    const { payload } = x;
    const inner = v => inspectInner(v, depth + 1, seen);
    if (typeof tag === 'string' && tag.startsWith('match:')) {
      const name = tag.slice(6);
      if (name === 'kind' && kindShorthands.includes(payload)) return `M.${payload}()`;
      let args;
      if (payload === undefined) args = [];
      else if (isArray(payload)) args = payload;
      else args = [payload];
      return `M.${name}(${args.map(inner).join(',')})`;
    }
    return `makeTagged(${stringify(String(tag))},${inner(payload)})`;
  };

  const inspect = x => {
    try {
      const text = inspectInner(x, 0, []);
      return text.length > maxLength ? `${text.slice(0, maxLength)}...` : text;
    } catch (_) {
      return '[uninspectable value]';
    }
  };

  // formatArgs is console's rendering: strings as they are, errors with
  // their stacks (as Node's console prints them), the rest inspected.
  const formatArgs = args => {
    let line = '';
    for (let i = 0; i < args.length; i += 1) {
      if (i > 0) line += ' ';
      const arg = args[i];
      if (typeof arg === 'string') line += arg;
      else if (arg instanceof Error) line += stackText(arg);
      else line += inspect(arg);
    }
    return line;
  };

  // engineMessage is an error's message, in V8's words where goja's
  // TypeErrors for common mistakes differ (the JavaScript kernel's vats run
  // on V8): a call of what is not a function names the expression called,
  // as V8 does (see engineerrors.go), and a property read of undefined
  // says it as V8 does (goja does not tell null from undefined there).
  const noMember = /^Object has no member '(.*)'$/;
  const readOf = /^Cannot read property '(.*)' of (?:undefined|null|undefined or null)$/;
  // atPosition asks the host what the vat's source holds where err was
  // thrown ('' when it cannot tell).
  const atPosition = (what, err) => {
    try {
      return lib.host[what](`${err.stack}`);
    } catch (_) {
      return '';
    }
  };
  const engineMessage = err => {
    const message = `${err.message}`;
    if (!(err instanceof TypeError)) return message;
    const read = readOf.exec(message);
    if (read !== null) return `Cannot read properties of undefined (reading '${read[1]}')`;
    if (message === 'Cannot convert undefined or null to object') {
      const property = atPosition('propertyAt', err);
      return property === '' ? message : `Cannot set properties of undefined (setting '${property}')`;
    }
    const member = noMember.exec(message);
    const notObject = message.startsWith('Value is not an object: ');
    const notCtor = message === 'Value is not a constructor';
    if (member === null && !notObject && !notCtor) return message;
    let callee = atPosition('calleeAt', err);
    if (callee === '' && member !== null) callee = member[1];
    if (callee === '') return message;
    return notCtor ? `${callee} is not a constructor` : `${callee} is not a function`;
  };

  // errorText is "Name: message" for errors (as error texts in results and
  // delivery errors show them), inspect for anything else thrown.
  const errorText = e => {
    if (e instanceof Error) {
      try {
        return `${e.name}: ${engineMessage(e)}`;
      } catch (_) {
        return inspect(e);
      }
    }
    return inspect(e);
  };

  // stackText is errorText followed by the frames of e's stack that lie in
  // the vat's own code, at their places in the vat's source files (the
  // host maps them through the bundle's source map).
  const stackText = e => {
    const text = errorText(e);
    try {
      const stack = readData(e, 'stack');
      if (typeof stack !== 'string') return text;
      const mapped = lib.host.vatStack(stack);
      const frames = mapped.indexOf('\n');
      return frames < 0 ? text : text + mapped.slice(frames);
    } catch (_) {
      return text;
    }
  };

  lib.inspect = inspect;
  lib.errorText = errorText;
  lib.stackText = stackText;
  lib.engineMessage = engineMessage;
  lib.formatArgs = formatArgs;
  lib.setInspectIface = fn => {
    getIface = fn;
  };
  lib.setInspectTagged = fn => {
    isTagged = fn;
  };
});
