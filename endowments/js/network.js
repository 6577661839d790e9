// network.js: Request, Response and fetch, over network.go, with Headers
// (headers.js) and bodies (body.js). The classes work without fetch (a vat
// may build Responses of its own); fetch exists only when the vat was
// granted it and has an allowlist. Request bodies are sent whole (no
// streaming uploads).
(function networkModule(lib) {
  'use strict';

  const { harden, isObject } = lib.common;
  const { URL } = lib.url;
  const { isSignal, onAbort, newSignal, signalAbort } = lib.abort;
  const { Headers, tokenRe, fromList, headerList, isImmutable } = lib.headers;
  const { extractBody, readAll, newStream, networkSource, bodyUsed, cloneBody } = lib.body;
  const host = lib.host_net;
  const text = lib.host_text;

  const internal = harden({}); // constructs what vat code cannot

  const bodyStates = new WeakMap(); // Request | Response -> state (stream, headers, ...)

  const bstate = (x, what) => {
    const s = bodyStates.get(x);
    if (s === undefined) throw new TypeError(`${what}: illegal invocation`);
    return s;
  };

  // The body methods Request and Response share.
  const bodyMethods = {
    text(self, what) {
      return readAll(bstate(self, what), what).then(bytes => text.decodeAll(bytes.buffer));
    },
    json(self, what) {
      return bodyMethods.text(self, what).then(s => JSON.parse(s));
    },
    arrayBuffer(self, what) {
      return readAll(bstate(self, what), what).then(bytes => bytes.buffer);
    },
    bytes(self, what) {
      return readAll(bstate(self, what), what);
    },
  };

  const notAvailable = what => Promise.reject(new TypeError(`${what} is not available in vats (no Blob or FormData)`));

  // ---- Request --------------------------------------------------------

  const methodRe = tokenRe;
  const normalMethods = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH'];
  const redirectModes = ['follow', 'error', 'manual'];

  class Request {
    constructor(input, init = undefined) {
      const opts = isObject(init) ? init : {};
      let from = null;
      let url;
      if (input instanceof Request) {
        from = bstate(input, 'Request');
        url = from.url;
      } else {
        let parsed;
        try {
          parsed = new URL(String(input));
        } catch (e) {
          throw new TypeError(`Request: invalid URL ${JSON.stringify(String(input))} (vats have no base URL: use an absolute one)`);
        }
        if (parsed.username !== '' || parsed.password !== '') {
          throw new TypeError('Request: the URL must not include credentials');
        }
        url = parsed.href;
      }
      let method = from === null ? 'GET' : from.method;
      if (opts.method !== undefined) {
        method = String(opts.method);
        if (!methodRe.test(method)) throw new TypeError(`Request: "${method}" is not a valid HTTP method`);
        const upper = method.toUpperCase();
        if (['CONNECT', 'TRACE', 'TRACK'].includes(upper)) throw new TypeError(`Request: the method ${upper} is forbidden`);
        if (normalMethods.includes(upper) && upper !== 'PATCH') method = upper;
      }
      let redirect = from === null ? 'follow' : from.redirect;
      if (opts.redirect !== undefined) {
        redirect = String(opts.redirect);
        if (!redirectModes.includes(redirect)) throw new TypeError(`Request: redirect must be one of ${redirectModes.join(', ')}`);
      }
      let parent = from === null ? null : from.signal;
      if (opts.signal !== undefined && opts.signal !== null) {
        if (!isSignal(opts.signal)) throw new TypeError('Request: signal must be an AbortSignal');
        parent = opts.signal;
      } else if (opts.signal === null) {
        parent = null;
      }
      // The request's own signal follows the one it was given.
      const signal = newSignal();
      if (parent !== null) {
        if (parent.aborted) signalAbort(signal, parent.reason);
        else onAbort(parent, reason => signalAbort(signal, reason));
      }
      const headers = new Headers(opts.headers !== undefined ? opts.headers : from === null ? undefined : from.headers);
      let stream = null;
      let type = null;
      if (opts.body !== undefined && opts.body !== null) {
        ({ stream, type } = extractBody(opts.body));
      } else if (from !== null && from.stream !== null && opts.body === undefined) {
        if (bodyUsed(from)) throw new TypeError('Request: the body of the input request has already been read');
        ({ stream } = extractBody(from.stream));
      }
      if (stream !== null && (method === 'GET' || method === 'HEAD')) {
        throw new TypeError('Request with GET/HEAD method cannot have body.');
      }
      if (type !== null && !headers.has('content-type')) headers.append('content-type', type);
      bodyStates.set(this, { url, method, headers, signal, redirect, stream });
    }

    get url() {
      return bstate(this, 'url').url;
    }

    get method() {
      return bstate(this, 'method').method;
    }

    get headers() {
      return bstate(this, 'headers').headers;
    }

    get signal() {
      return bstate(this, 'signal').signal;
    }

    get redirect() {
      return bstate(this, 'redirect').redirect;
    }

    get body() {
      return bstate(this, 'body').stream;
    }

    get bodyUsed() {
      return bodyUsed(bstate(this, 'bodyUsed'));
    }

    get cache() {
      return 'default';
    }

    get credentials() {
      return 'omit';
    }

    get mode() {
      return 'cors';
    }

    get referrer() {
      return '';
    }

    get integrity() {
      return '';
    }

    get keepalive() {
      return false;
    }

    clone() {
      const s = bstate(this, 'Request.clone');
      const stream = cloneBody(s, 'Request.clone');
      const copy = new Request(s.url, { method: s.method, headers: s.headers, redirect: s.redirect, signal: s.signal });
      bstate(copy, 'Request.clone').stream = stream;
      return copy;
    }

    text() {
      return bodyMethods.text(this, 'Request.text');
    }

    json() {
      return bodyMethods.json(this, 'Request.json');
    }

    arrayBuffer() {
      return bodyMethods.arrayBuffer(this, 'Request.arrayBuffer');
    }

    bytes() {
      return bodyMethods.bytes(this, 'Request.bytes');
    }

    blob() {
      return notAvailable('Request.blob');
    }

    formData() {
      return notAvailable('Request.formData');
    }
  }

  // ---- Response -------------------------------------------------------

  const nullBodyStatus = [101, 103, 204, 205, 304];
  const redirectStatus = [301, 302, 303, 307, 308];

  class Response {
    constructor(body = null, init = undefined) {
      if (body === internal) {
        // A network response: init is the state itself.
        bodyStates.set(this, init);
        return;
      }
      const opts = isObject(init) ? init : {};
      const status = opts.status === undefined ? 200 : Number(opts.status);
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw new RangeError(`Response: status ${String(opts.status)} is not in the range 200 to 599`);
      }
      const statusText = opts.statusText === undefined ? '' : String(opts.statusText);
      if (/[^\t\x20-\x7E\x80-\xFF]/.test(statusText)) throw new TypeError('Response: invalid statusText');
      const headers = new Headers(opts.headers);
      let stream = null;
      if (body !== null && body !== undefined) {
        if (nullBodyStatus.includes(status)) throw new TypeError(`Response: a ${status} response cannot have a body`);
        const extracted = extractBody(body);
        stream = extracted.stream;
        if (extracted.type !== null && !headers.has('content-type')) headers.append('content-type', extracted.type);
      }
      bodyStates.set(this, { type: 'default', url: '', redirected: false, status, statusText, headers, stream });
    }

    static error() {
      return new Response(internal, {
        type: 'error', url: '', redirected: false, status: 0, statusText: '',
        headers: fromList([], true), stream: null,
      });
    }

    static redirect(url, status = 302) {
      let parsed;
      try {
        parsed = new URL(String(url));
      } catch (e) {
        throw new TypeError(`Response.redirect: invalid URL ${JSON.stringify(String(url))}`);
      }
      const code = Number(status);
      if (!redirectStatus.includes(code)) throw new RangeError(`Response.redirect: ${String(status)} is not a redirect status`);
      return new Response(internal, {
        type: 'default', url: '', redirected: false, status: code, statusText: '',
        headers: fromList([['location', parsed.href]], true), stream: null,
      });
    }

    static json(data, init = undefined) {
      const body = JSON.stringify(data);
      if (body === undefined) throw new TypeError('Response.json: the data cannot be serialized as JSON');
      const opts = isObject(init) ? init : {};
      const headers = new Headers(opts.headers);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      return new Response(body, { status: opts.status, statusText: opts.statusText, headers });
    }

    get type() {
      return bstate(this, 'type').type;
    }

    get url() {
      return bstate(this, 'url').url;
    }

    get redirected() {
      return bstate(this, 'redirected').redirected;
    }

    get status() {
      return bstate(this, 'status').status;
    }

    get ok() {
      const { status } = bstate(this, 'ok');
      return status >= 200 && status <= 299;
    }

    get statusText() {
      return bstate(this, 'statusText').statusText;
    }

    get headers() {
      return bstate(this, 'headers').headers;
    }

    get body() {
      return bstate(this, 'body').stream;
    }

    get bodyUsed() {
      return bodyUsed(bstate(this, 'bodyUsed'));
    }

    clone() {
      const s = bstate(this, 'Response.clone');
      const stream = cloneBody(s, 'Response.clone');
      return new Response(internal, { ...s, headers: fromList(headerList(s.headers), isImmutable(s.headers)), stream });
    }

    text() {
      return bodyMethods.text(this, 'Response.text');
    }

    json() {
      return bodyMethods.json(this, 'Response.json');
    }

    arrayBuffer() {
      return bodyMethods.arrayBuffer(this, 'Response.arrayBuffer');
    }

    bytes() {
      return bodyMethods.bytes(this, 'Response.bytes');
    }

    blob() {
      return notAvailable('Response.blob');
    }

    formData() {
      return notAvailable('Response.formData');
    }
  }

  // ---- fetch ----------------------------------------------------------

  const fetch = function fetch(input, init = undefined) {
    return new Promise((resolve, reject) => {
      const request = new Request(input, init);
      const rs = bstate(request, 'fetch');
      const { signal } = rs;
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      readAll(rs, 'fetch').then(bytes => {
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        // Same-name headers go as one line, values joined, as browsers send them.
        const flat = [];
        for (const [n, v] of rs.headers) flat.push(n, v);
        const body = rs.stream === null ? null : bytes.buffer;
        let settled = false;
        let source = null;
        let id = -1;
        const stopListening = onAbort(signal, reason => {
          if (!settled) {
            settled = true;
            host.abort(id);
            reject(reason);
          } else if (source !== null) {
            source.error(reason);
          }
        });
        const done = (error, meta) => {
          if (settled) {
            host.release(id);
            return;
          }
          settled = true;
          if (error !== null) {
            stopListening();
            reject(new TypeError(error));
            return;
          }
          source = networkSource(id, stopListening);
          const pairs = [];
          for (let i = 0; i < meta.headers.length; i += 2) pairs.push([meta.headers[i], meta.headers[i + 1]]);
          const headers = fromList(pairs, true);
          const hasBody = !nullBodyStatus.includes(meta.status) && rs.method !== 'HEAD';
          if (!hasBody) source.cancel();
          resolve(new Response(internal, {
            type: 'basic',
            url: meta.url,
            redirected: meta.redirected,
            status: meta.status,
            statusText: meta.statusText,
            headers,
            stream: hasBody ? newStream(source) : null,
          }));
        };
        try {
          id = host.start(rs.method, rs.url, flat, body, rs.redirect, done);
        } catch (e) {
          settled = true;
          stopListening();
          reject(e);
        }
      }, reject);
    });
  };

  return harden({ fetch: host.start === undefined ? undefined : fetch, Request, Headers, Response });
});
