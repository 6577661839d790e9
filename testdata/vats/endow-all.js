// A vat granted every endowment: check(name, arg) exercises one of them and
// returns what it saw, so the end-to-end test has one case per name.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

const hex = buf => Array.from(new Uint8Array(buf), b => b.toString(16).padStart(2, '0')).join('');
const unhex = s => new Uint8Array(s.match(/../g).map(x => parseInt(x, 16)));
const b64url = bytes => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const later = ms => new Promise(resolve => setTimeout(resolve, ms));
const errorName = fn => {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return e.name;
  }
};

export function buildRootObject() {
  let peer;
  const subtle = () => crypto.subtle;

  const checks = {
    // A timer callback is a turn of its own: it may E() another vat, and
    // the result it resolves is routed although no delivery is running.
    setTimeout: () =>
      new Promise(resolve => {
        setTimeout(
          (a, b) => {
            E(peer)
              .tick('setTimeout')
              .then(n => resolve(`${a}${b}, peer ticked ${n}`));
          },
          5,
          'args',
          '!',
        );
      }),
    clearTimeout: async () => {
      let fired = false;
      const id = setTimeout(() => {
        fired = true;
      }, 5);
      clearTimeout(id);
      await later(30);
      return `fired ${fired}`;
    },
    setInterval: () =>
      new Promise(resolve => {
        let n = 0;
        const id = setInterval(() => {
          n += 1;
          if (n === 3) {
            clearInterval(id);
            resolve(`ticked ${n}`);
          }
        }, 2);
      }),
    clearInterval: async () => {
      let n = 0;
      const id = setInterval(() => {
        n += 1;
      }, 1);
      await later(20);
      clearInterval(id);
      const seen = n;
      await later(20);
      return `stopped ${n === seen && seen > 0}`;
    },
    Date: () => {
      let back = 0;
      let last = Date.now();
      for (let i = 0; i < 1000; i += 1) {
        const t = Date.now();
        if (t < last) back += 1;
        last = t;
      }
      return harden([Date.now(), new Date().getTime() >= last - 1, back, new Date(0).toISOString()]);
    },
    Math: () => {
      const seen = new Set();
      for (let i = 0; i < 100; i += 1) {
        const r = Math.random();
        if (r >= 0 && r < 1) seen.add(r);
      }
      return `${seen.size} distinct, max ${Math.max(2, 5)}`;
    },
    crypto: async vectors => {
      const enc = s => new TextEncoder().encode(s);
      const out = {};
      out.sha256 = hex(await subtle().digest('SHA-256', enc('abc')));
      const hmacKey = await subtle().importKey('raw', unhex('0b'.repeat(20)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
      const mac = await subtle().sign('HMAC', hmacKey, enc('Hi There'));
      out.hmac = hex(mac);
      out.hmacVerify = await subtle().verify('HMAC', hmacKey, mac, enc('Hi There'));
      const aesKey = await subtle().importKey('raw', unhex(vectors.gcm.key), 'AES-GCM', false, ['encrypt', 'decrypt']);
      const iv = unhex(vectors.gcm.iv);
      const sealed = await subtle().encrypt({ name: 'AES-GCM', iv }, aesKey, unhex(vectors.gcm.plain));
      out.gcm = hex(sealed);
      out.gcmOpen = hex(await subtle().decrypt({ name: 'AES-GCM', iv }, aesKey, sealed)) === vectors.gcm.plain;
      const ed = vectors.ed25519;
      const priv = await subtle().importKey('jwk', { kty: 'OKP', crv: 'Ed25519', d: b64url(unhex(ed.seed)), x: b64url(unhex(ed.pub)) },
        'Ed25519', false, ['sign']);
      const pub = await subtle().importKey('raw', unhex(ed.pub), 'Ed25519', true, ['verify']);
      const sig = await subtle().sign('Ed25519', priv, new Uint8Array(0));
      out.ed25519 = hex(sig);
      out.ed25519Verify = await subtle().verify('Ed25519', pub, sig, new Uint8Array(0));
      const pair = await subtle().generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const ecSig = await subtle().sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, enc('m'));
      out.ecdsa = await subtle().verify({ name: 'ECDSA', hash: 'SHA-256' }, pair.publicKey, ecSig, enc('m'));
      out.jwk = (await subtle().exportKey('jwk', pair.publicKey)).crv;
      out.uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID());
      out.random = crypto.getRandomValues(new Uint8Array(16)).length;
      return harden(out);
    },
    SubtleCrypto: () =>
      `${crypto.subtle instanceof SubtleCrypto} ${typeof SubtleCrypto.prototype.digest} ${errorName(() => new SubtleCrypto())}`,
    TextEncoder: () => Array.from(new TextEncoder().encode('é€')).join(','),
    TextDecoder: () => {
      const d = new TextDecoder();
      const bytes = new TextEncoder().encode('€uro');
      const streamed = d.decode(bytes.subarray(0, 2), { stream: true }) + d.decode(bytes.subarray(2));
      const fatal = errorName(() => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff])));
      return `${streamed} ${escape(new TextDecoder().decode(new Uint8Array([0xe2, 0x82])))} ${fatal}`;
    },
    URL: () => {
      const u = new URL('../c?x=1#f', 'HTTP://User@EXAMPLE.com:80/a/b');
      return `${u.href} ${u.origin} ${new URL('http://0x7f.1/').host} ${new URL('http://Bücher.example/').hostname} ${errorName(() => new URL('http://exa mple.com'))}`;
    },
    URLSearchParams: () => {
      const p = new URLSearchParams('b=2&a=1');
      p.append('c', 'x y');
      p.sort();
      const u = new URL('http://h/?q=1');
      u.searchParams.set('q', '2');
      return `${p.toString()} ${u.href}`;
    },
    atob: () => `${atob(' aGV sbG8= ')} ${errorName(() => atob('a'))}`,
    btoa: () => `${btoa('hello')} ${errorName(() => btoa('€'))}`,
    AbortController: () => {
      const c = new AbortController();
      const seen = [];
      c.signal.addEventListener('abort', () => seen.push('listener'));
      c.abort('why');
      let thrown;
      try {
        c.signal.throwIfAborted();
      } catch (e) {
        thrown = e;
      }
      return `${c.signal.aborted} ${c.signal.reason} ${seen.join()} ${thrown}`;
    },
    AbortSignal: async () => {
      const s = AbortSignal.timeout(5);
      await new Promise(resolve => s.addEventListener('abort', resolve));
      return `${s.reason.name} ${AbortSignal.abort().reason.name}`;
    },
    fetch: async url => {
      const res = await fetch(`${url}/echo`, { method: 'POST', headers: { 'X-Custom': 'e2e' }, body: 'ping' });
      const got = await res.json();
      return `${res.status} ${got.method} ${got.custom} ${got.body}`;
    },
    Request: async () => {
      const r = new Request('https://example.com/x', { method: 'PUT', headers: new Headers({ A: '1' }), body: 'b' });
      return `${r.method} ${r.url} ${r.headers.get('a')} ${await r.text()}`;
    },
    Headers: () => {
      const h = new Headers([['X-A', '1']]);
      h.append('x-a', '2');
      return `${h.get('X-A')} ${h.has('x-A')} ${errorName(() => h.append('bad name', 'x'))}`;
    },
    Response: async () => `${await new Response('x').text()} ${Response.json({ a: 1 }).headers.get('content-type')} ${new Response(null, { status: 204 }).status}`,
  };

  return makeDefaultExo('root', {
    bootstrap(vats) {
      peer = vats.peer;
    },
    check(name, arg) {
      return checks[name](arg);
    },
    globals() {
      return harden(Object.getOwnPropertyNames(globalThis).sort());
    },
  });
}
