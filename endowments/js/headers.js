// headers.js: Headers, as the Fetch Standard has them: names are
// case-insensitive tokens, values byte strings without CR, LF or NUL, and
// iteration is sorted by name with values combined (set-cookie apart).
// Headers of a fetched response are immutable.
(function headersModule(lib) {
  'use strict';

  const { harden, isObject } = lib.common;
  const { ownKeys, apply } = Reflect;
  const { getOwnPropertyDescriptor } = Object;

  const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const headerStates = new WeakMap(); // Headers -> { list: [[lowerName, value]], guard }

  const hstate = h => {
    const s = headerStates.get(h);
    if (s === undefined) throw new TypeError('not a Headers');
    return s;
  };

  const headerName = (name, what) => {
    const n = String(name);
    if (!tokenRe.test(n)) throw new TypeError(`${what}: "${n}" is an invalid header name.`);
    return n.toLowerCase();
  };

  const headerValue = (value, what) => {
    const v = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
    if (/[\0\r\n]/.test(v) || /[^\x00-\xFF]/.test(v)) {
      throw new TypeError(`${what}: ${JSON.stringify(v)} is an invalid header value.`);
    }
    return v;
  };

  const mutable = (s, what) => {
    if (s.guard === 'immutable') throw new TypeError(`${what}: these headers are immutable`);
  };

  const appendHeader = (h, name, value, what) => {
    const s = hstate(h);
    const n = headerName(name, what);
    const v = headerValue(value, what);
    mutable(s, what);
    s.list.push([n, v]);
  };

  const fillHeaders = (h, init) => {
    if (init instanceof Headers) {
      for (const [n, v] of hstate(init).list) hstate(h).list.push([n, v]);
    } else if (isObject(init) && typeof init[Symbol.iterator] === 'function') {
      for (const pair of init) {
        const items = [...pair];
        if (items.length !== 2) throw new TypeError(`Headers: a header pair must have 2 items, not ${items.length}`);
        appendHeader(h, items[0], items[1], 'Headers');
      }
    } else if (isObject(init)) {
      for (const key of ownKeys(init)) {
        const desc = getOwnPropertyDescriptor(init, key);
        if (typeof key === 'string' && desc !== undefined && desc.enumerable) appendHeader(h, key, init[key], 'Headers');
      }
    } else if (init !== undefined && init !== null) {
      throw new TypeError('Headers: init must be a Headers, an iterable of pairs or a record');
    }
  };

  class Headers {
    constructor(init = undefined) {
      headerStates.set(this, { list: [], guard: 'none' });
      fillHeaders(this, init);
    }

    append(name, value) {
      appendHeader(this, name, value, 'Headers.append');
    }

    delete(name) {
      const s = hstate(this);
      const n = headerName(name, 'Headers.delete');
      mutable(s, 'Headers.delete');
      s.list = s.list.filter(([k]) => k !== n);
    }

    get(name) {
      const n = headerName(name, 'Headers.get');
      const values = hstate(this).list.filter(([k]) => k === n).map(([, v]) => v);
      return values.length === 0 ? null : values.join(', ');
    }

    getSetCookie() {
      return hstate(this).list.filter(([k]) => k === 'set-cookie').map(([, v]) => v);
    }

    has(name) {
      const n = headerName(name, 'Headers.has');
      return hstate(this).list.some(([k]) => k === n);
    }

    set(name, value) {
      const s = hstate(this);
      const n = headerName(name, 'Headers.set');
      const v = headerValue(value, 'Headers.set');
      mutable(s, 'Headers.set');
      const i = s.list.findIndex(([k]) => k === n);
      if (i < 0) s.list.push([n, v]);
      else s.list = s.list.filter(([k], j) => k !== n || j === i).map(p => (p[0] === n ? [n, v] : p));
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== 'function') throw new TypeError('Headers.forEach: callback is not a function');
      for (const [n, v] of this) apply(callback, thisArg, [v, n, this]);
    }

    // Iteration is sorted by name with values combined, except
    // set-cookie, whose values come one by one (the Fetch Standard's
    // "sort and combine").
    *entries() {
      const list = hstate(this).list;
      const names = [...new Set(list.map(([n]) => n))].sort();
      for (const n of names) {
        if (n === 'set-cookie') {
          for (const [k, v] of list) if (k === n) yield [n, v];
        } else {
          yield [n, this.get(n)];
        }
      }
    }

    *keys() {
      for (const [n] of this.entries()) yield n;
    }

    *values() {
      for (const [, v] of this.entries()) yield v;
    }

    [Symbol.iterator]() {
      return this.entries();
    }
  }

  // For Request and Response: the list itself, and headers made from a
  // trusted list (a response's), possibly immutable.
  const headerList = h => hstate(h).list;
  const isImmutable = h => hstate(h).guard === 'immutable';
  const fromList = (pairs, immutable) => {
    const h = new Headers();
    const s = hstate(h);
    for (const [n, v] of pairs) s.list.push([n, v]);
    if (immutable) s.guard = 'immutable';
    return h;
  };

  return harden({ Headers, tokenRe, headerList, isImmutable, fromList });
});
