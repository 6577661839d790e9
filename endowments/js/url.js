// url.js: URL and URLSearchParams over url.go's WHATWG parser. A URL keeps
// its components as url.go last computed them; its searchParams list and
// its query are kept in step both ways, as the standard says.
(function urlModule(lib) {
  'use strict';

  const { harden, isObject } = lib.common;
  const host = lib.host_url;
  const { ownKeys } = Reflect;
  const { getOwnPropertyDescriptor } = Object;

  const urls = new WeakMap(); // URL -> { c: components, params: URLSearchParams | undefined }
  const lists = new WeakMap(); // URLSearchParams -> { list: [[name, value]], url: URL | null }

  // USVString conversion: lone surrogates become U+FFFD.
  const usv = x => {
    const s = String(x);
    let out = '';
    let from = 0;
    for (let i = 0; i < s.length; i += 1) {
      const c = s.charCodeAt(i);
      if (c < 0xd800 || c > 0xdfff) continue;
      if (c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i += 1;
          continue;
        }
      }
      out += `${s.slice(from, i)}\uFFFD`;
      from = i + 1;
    }
    return from === 0 ? s : out + s.slice(from);
  };

  const state = url => {
    const s = urls.get(url);
    if (s === undefined) throw new TypeError('not a URL');
    return s;
  };

  const parseList = query => {
    const flat = host.formParse(query);
    const list = [];
    for (let i = 0; i < flat.length; i += 2) list.push([flat[i], flat[i + 1]]);
    return list;
  };

  const serializeList = list => {
    const flat = [];
    for (const [n, v] of list) flat.push(n, v);
    return host.formSerialize(flat);
  };

  const parseOrThrow = (input, base) => {
    const c = host.parse(usv(input), base === undefined ? undefined : usv(base));
    if (c === null) {
      const where = base === undefined ? '' : ` (against base ${JSON.stringify(String(base))})`;
      throw new TypeError(`Invalid URL: ${JSON.stringify(String(input))}${where}`);
    }
    return c;
  };

  // After the URL's query changed, its searchParams list follows.
  const refreshParams = s => {
    if (s.params !== undefined) lists.get(s.params).list = parseList(s.c.search.slice(1));
  };

  const setter = (url, name, value) => {
    const s = state(url);
    s.c = host.set(s.c.href, name, usv(value));
    if (name === 'search' || name === 'href') refreshParams(s);
  };

  class URL {
    constructor(url, base = undefined) {
      if (arguments.length < 1) throw new TypeError('URL: 1 argument required, but only 0 present');
      urls.set(this, { c: parseOrThrow(url, base), params: undefined });
    }

    static canParse(url, base = undefined) {
      return host.parse(usv(url), base === undefined ? undefined : usv(base)) !== null;
    }

    static parse(url, base = undefined) {
      try {
        return new URL(url, base);
      } catch (_) {
        return null;
      }
    }

    get href() {
      return state(this).c.href;
    }

    set href(value) {
      const s = state(this);
      s.c = parseOrThrow(value, undefined);
      refreshParams(s);
    }

    get origin() {
      return state(this).c.origin;
    }

    get protocol() {
      return state(this).c.protocol;
    }

    set protocol(v) {
      setter(this, 'protocol', v);
    }

    get username() {
      return state(this).c.username;
    }

    set username(v) {
      setter(this, 'username', v);
    }

    get password() {
      return state(this).c.password;
    }

    set password(v) {
      setter(this, 'password', v);
    }

    get host() {
      return state(this).c.host;
    }

    set host(v) {
      setter(this, 'host', v);
    }

    get hostname() {
      return state(this).c.hostname;
    }

    set hostname(v) {
      setter(this, 'hostname', v);
    }

    get port() {
      return state(this).c.port;
    }

    set port(v) {
      setter(this, 'port', v);
    }

    get pathname() {
      return state(this).c.pathname;
    }

    set pathname(v) {
      setter(this, 'pathname', v);
    }

    get search() {
      return state(this).c.search;
    }

    set search(v) {
      setter(this, 'search', v);
    }

    get searchParams() {
      const s = state(this);
      if (s.params === undefined) {
        s.params = new URLSearchParams(s.c.search);
        lists.get(s.params).url = this;
      }
      return s.params;
    }

    get hash() {
      return state(this).c.hash;
    }

    set hash(v) {
      setter(this, 'hash', v);
    }

    toString() {
      return state(this).c.href;
    }

    toJSON() {
      return state(this).c.href;
    }
  }

  const paramsState = p => {
    const s = lists.get(p);
    if (s === undefined) throw new TypeError('not a URLSearchParams');
    return s;
  };

  // update writes a changed list back into the URL it belongs to.
  const update = s => {
    if (s.url === null) return;
    const u = urls.get(s.url);
    u.c = host.set(u.c.href, 'search', serializeList(s.list));
  };

  class URLSearchParams {
    constructor(init = '') {
      let list = [];
      if (init instanceof URLSearchParams) {
        list = paramsState(init).list.map(([n, v]) => [n, v]);
      } else if (isObject(init) && typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          if (!isObject(pair) || typeof pair[Symbol.iterator] !== 'function') {
            throw new TypeError('URLSearchParams: each pair must be an iterable [name, value]');
          }
          const items = [...pair];
          if (items.length !== 2) {
            throw new TypeError(`URLSearchParams: a pair must have exactly 2 items, not ${items.length}`);
          }
          list.push([usv(items[0]), usv(items[1])]);
        }
      } else if (isObject(init)) {
        for (const key of ownKeys(init)) {
          const desc = getOwnPropertyDescriptor(init, key);
          if (typeof key === 'string' && desc !== undefined && desc.enumerable) {
            list.push([usv(key), usv(init[key])]);
          }
        }
      } else {
        let s = usv(init);
        if (s.startsWith('?')) s = s.slice(1);
        list = parseList(s);
      }
      lists.set(this, { list, url: null });
    }

    get size() {
      return paramsState(this).list.length;
    }

    append(name, value) {
      const s = paramsState(this);
      s.list.push([usv(name), usv(value)]);
      update(s);
    }

    delete(name, value = undefined) {
      const s = paramsState(this);
      const n = usv(name);
      const v = value === undefined ? undefined : usv(value);
      s.list = s.list.filter(([k, x]) => !(k === n && (v === undefined || x === v)));
      update(s);
    }

    get(name) {
      const n = usv(name);
      const found = paramsState(this).list.find(([k]) => k === n);
      return found === undefined ? null : found[1];
    }

    getAll(name) {
      const n = usv(name);
      return paramsState(this).list.filter(([k]) => k === n).map(([, v]) => v);
    }

    has(name, value = undefined) {
      const n = usv(name);
      const v = value === undefined ? undefined : usv(value);
      return paramsState(this).list.some(([k, x]) => k === n && (v === undefined || x === v));
    }

    set(name, value) {
      const s = paramsState(this);
      const n = usv(name);
      const v = usv(value);
      const i = s.list.findIndex(([k]) => k === n);
      if (i < 0) {
        s.list.push([n, v]);
      } else {
        s.list[i] = [n, v];
        s.list = s.list.filter(([k], j) => j <= i || k !== n);
      }
      update(s);
    }

    // sort is stable and compares names by UTF-16 code units.
    sort() {
      const s = paramsState(this);
      s.list = s.list
        .map((pair, i) => [pair, i])
        .sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1]))
        .map(([pair]) => pair);
      update(s);
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== 'function') throw new TypeError('URLSearchParams.forEach: callback is not a function');
      const s = paramsState(this);
      for (let i = 0; i < s.list.length; i += 1) {
        const [n, v] = s.list[i];
        callback.call(thisArg, v, n, this);
      }
    }

    *entries() {
      const s = paramsState(this);
      for (let i = 0; i < s.list.length; i += 1) yield [s.list[i][0], s.list[i][1]];
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

    toString() {
      return serializeList(paramsState(this).list);
    }
  }

  // For fetch: a URLSearchParams body.
  const isSearchParams = x => lists.has(x);

  return harden({ URL, URLSearchParams, isSearchParams });
});
