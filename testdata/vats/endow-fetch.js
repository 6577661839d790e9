// A vat that fetches from a local test server: the end-to-end tests drive
// requests, aborts, streams and timers from here and watch the server.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  const held = []; // requests and readers kept open on purpose
  let abortable;
  let controller;

  return makeDefaultExo('root', {
    bootstrap() {},
    // get fetches url and returns "status body", or the error's text.
    async get(url) {
      try {
        const res = await fetch(url);
        return `${res.status} ${await res.text()}`;
      } catch (e) {
        return `${e.name}: ${e.message}`;
      }
    },
    // echo sends a Request with custom headers and a body.
    async echo(url) {
      const headers = new Headers({ 'X-Custom': 'first' });
      headers.append('X-Other', 'yes');
      const req = new Request(url, { method: 'PUT', headers, body: JSON.stringify({ hello: 'server' }) });
      const res = await fetch(req);
      return harden({ status: res.status, type: res.headers.get('Content-Type'), body: await res.json() });
    },
    // stream reads a body chunk by chunk.
    async stream(url) {
      const reader = (await fetch(url)).body.getReader();
      let bytes = 0;
      let chunks = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        chunks += 1;
      }
      return harden({ bytes, chunks: chunks > 0 });
    },
    startHang(url) {
      held.push(fetch(url).catch(() => {}));
      return 'started';
    },
    async startDrip(url) {
      const reader = (await fetch(url)).body.getReader();
      const { value } = await reader.read();
      held.push(reader.read().catch(() => {}));
      return new TextDecoder().decode(value);
    },
    startAbortable(url) {
      controller = new AbortController();
      abortable = fetch(url, { signal: controller.signal });
      return 'started';
    },
    async abort() {
      controller.abort();
      try {
        await abortable;
        return 'fetched';
      } catch (e) {
        return e.name;
      }
    },
    // tickEvery fetches url every ms milliseconds, and ticks peer if given.
    tickEvery(url, ms, peer) {
      setInterval(() => {
        fetch(url).then(r => r.text()).catch(() => {});
        if (peer !== undefined) E(peer).tick();
      }, ms);
      return 'ticking';
    },
    // storm sets n long timers; past the vat's limit setTimeout throws.
    storm(n) {
      const ids = [];
      let error = 'none';
      try {
        for (let i = 0; i < n; i += 1) ids.push(setTimeout(() => {}, 3600000));
      } catch (e) {
        error = `${e.name}: ${e.message}`;
      }
      const set = ids.length;
      ids.forEach(id => clearTimeout(id));
      return harden({ set, error });
    },
    // bad lists what invalid input does.
    async bad(url) {
      const out = {};
      const attempt = async (name, fn) => {
        try {
          await fn();
          out[name] = 'accepted';
        } catch (e) {
          out[name] = `${e.name}: ${e.message}`;
        }
      };
      await attempt('url', () => fetch('http://exa mple.com/'));
      await attempt('relative', () => fetch('/relative'));
      await attempt('header', () => new Headers({ 'bad name': 'x' }));
      await attempt('scheme', () => fetch('file:///etc/passwd'));
      await attempt('method', () => new Request(url, { method: 'CONNECT' }));
      return harden(out);
    },
  });
}
