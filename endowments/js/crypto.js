// crypto.js: the Web Crypto surface over crypto.go. CryptoKey objects are
// handles: their material lives in a table only this script can read.
// Supported: digest (SHA-1/256/384/512); HMAC and AES-GCM (generateKey,
// importKey/exportKey raw and jwk, sign/verify, encrypt/decrypt); ECDSA
// P-256 and Ed25519 (generateKey, sign/verify, importKey/exportKey raw for
// public keys, jwk, spki and pkcs8). Anything else is a NotSupportedError.
(function cryptoModule(lib) {
  'use strict';

  const { DOMException, harden, isObject, toBuffer } = lib.common;
  const host = lib.host_crypto;

  const token = harden({});
  const keys = new WeakMap(); // CryptoKey -> { type, extractable, algorithm, usages, material }

  const fail = (name, message) => {
    throw new DOMException(message, name);
  };

  class CryptoKey {
    constructor(key = undefined) {
      if (key !== token) throw new TypeError('Illegal constructor');
    }

    get type() {
      return keyState(this).type;
    }

    get extractable() {
      return keyState(this).extractable;
    }

    get algorithm() {
      return keyState(this).algorithm;
    }

    get usages() {
      return keyState(this).usages;
    }
  }

  const keyState = key => {
    const s = keys.get(key);
    if (s === undefined) throw new TypeError('not a CryptoKey');
    return s;
  };

  const makeKey = (type, extractable, algorithm, usages, material) => {
    const key = new CryptoKey(token);
    keys.set(key, {
      type,
      extractable: type === 'public' ? true : Boolean(extractable),
      algorithm: harden(algorithm),
      usages: harden([...usages]),
      material,
    });
    return key;
  };

  const hashNames = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
  const algorithmNames = [...hashNames, 'HMAC', 'AES-GCM', 'ECDSA', 'Ed25519'];
  const allUsages = ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits', 'wrapKey', 'unwrapKey'];

  const canonical = (name, names) => {
    const lower = String(name).toLowerCase();
    return names.find(n => n.toLowerCase() === lower);
  };

  // normalize turns an AlgorithmIdentifier into a record with a canonical
  // name (names are case-insensitive).
  const normalize = algorithm => {
    const alg = typeof algorithm === 'string' ? { name: algorithm } : algorithm;
    if (!isObject(alg) || alg.name === undefined) {
      throw new TypeError('the algorithm must be a name or an object with a name');
    }
    const name = canonical(alg.name, algorithmNames);
    if (name === undefined) fail('NotSupportedError', `unrecognized algorithm name "${String(alg.name)}"`);
    return { ...alg, name };
  };

  const hashOf = (h, what) => {
    if (h === undefined) throw new TypeError(`${what}: the hash member is required`);
    const name = canonical(isObject(h) ? h.name : h, hashNames);
    if (name === undefined) fail('NotSupportedError', `${what}: unsupported hash "${String(isObject(h) ? h.name : h)}"`);
    return name;
  };

  const usagesOf = (keyUsages, allowed, what) => {
    const list = [...keyUsages].map(String);
    for (const u of list) {
      if (!allUsages.includes(u)) throw new TypeError(`${what}: "${u}" is not a key usage`);
      if (!allowed.includes(u)) fail('SyntaxError', `${what}: usage "${u}" is not allowed for this key`);
    }
    return [...new Set(list)];
  };

  const requireUsages = (usages, what) => {
    if (usages.length === 0) fail('SyntaxError', `${what}: usages cannot be empty when creating a key`);
  };

  const checkUse = (key, algName, usage, what) => {
    const s = keyState(key);
    if (s.algorithm.name !== algName) {
      fail('InvalidAccessError', `${what}: the key is for ${s.algorithm.name}, not ${algName}`);
    }
    if (!s.usages.includes(usage)) fail('InvalidAccessError', `${what}: the key does not allow "${usage}"`);
    return s;
  };

  const b64 = buf => host.b64urlEncode(buf);
  const unb64 = (s, what) => {
    if (typeof s !== 'string') fail('DataError', `JWK: ${what} is missing`);
    return host.b64urlDecode(s);
  };

  const checkJwk = (jwk, kty, usages, extractable) => {
    if (!isObject(jwk)) throw new TypeError('JWK: keyData must be an object');
    if (jwk.kty !== kty) fail('DataError', `JWK: kty must be "${kty}"`);
    if (jwk.ext === false && extractable) fail('DataError', 'JWK: ext is false but an extractable key was asked for');
    if (jwk.key_ops !== undefined) {
      const ops = [...jwk.key_ops];
      for (const u of usages) {
        if (!ops.includes(u)) fail('DataError', `JWK: key_ops does not include "${u}"`);
      }
    }
  };

  const hmacJwkAlg = hash => ({ 'SHA-1': 'HS1', 'SHA-256': 'HS256', 'SHA-384': 'HS384', 'SHA-512': 'HS512' })[hash];
  const gcmJwkAlg = bytes => ({ 16: 'A128GCM', 24: 'A192GCM', 32: 'A256GCM' })[bytes];
  const hashBlockBits = hash => (hash === 'SHA-384' || hash === 'SHA-512' ? 1024 : 512);

  const run = fn => {
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e);
    }
  };

  const importKey = (format, keyData, algorithm, extractable, keyUsages) => {
    const alg = normalize(algorithm);
    const what = `importKey(${alg.name})`;
    const fmt = String(format);
    switch (alg.name) {
      case 'HMAC': {
        const hash = hashOf(alg.hash, what);
        const usages = usagesOf(keyUsages, ['sign', 'verify'], what);
        let secret;
        if (fmt === 'raw') secret = toBuffer(keyData, what);
        else if (fmt === 'jwk') {
          checkJwk(keyData, 'oct', usages, extractable);
          if (keyData.alg !== undefined && keyData.alg !== hmacJwkAlg(hash)) {
            fail('DataError', `JWK: alg "${keyData.alg}" does not match ${hash}`);
          }
          secret = unb64(keyData.k, 'k');
        } else fail('NotSupportedError', `${what}: format "${fmt}" is not supported`);
        if (secret.byteLength === 0) fail('DataError', `${what}: the key is empty`);
        requireUsages(usages, what);
        return makeKey('secret', extractable, { name: 'HMAC', hash: { name: hash }, length: secret.byteLength * 8 },
          usages, { secret });
      }
      case 'AES-GCM': {
        const usages = usagesOf(keyUsages, ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'], what);
        let secret;
        if (fmt === 'raw') secret = toBuffer(keyData, what);
        else if (fmt === 'jwk') {
          checkJwk(keyData, 'oct', usages, extractable);
          secret = unb64(keyData.k, 'k');
          if (keyData.alg !== undefined && keyData.alg !== gcmJwkAlg(secret.byteLength)) {
            fail('DataError', `JWK: alg "${keyData.alg}" does not match the key length`);
          }
        } else fail('NotSupportedError', `${what}: format "${fmt}" is not supported`);
        if (![16, 24, 32].includes(secret.byteLength)) fail('DataError', `${what}: the key must be 128, 192 or 256 bits`);
        requireUsages(usages, what);
        return makeKey('secret', extractable, { name: 'AES-GCM', length: secret.byteLength * 8 }, usages, { secret });
      }
      case 'ECDSA':
      case 'Ed25519': {
        const ec = alg.name === 'ECDSA';
        if (ec && alg.namedCurve !== 'P-256') {
          fail('NotSupportedError', `${what}: only the P-256 curve is supported`);
        }
        const algorithmOut = ec ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'Ed25519' };
        const pubKey = pub => {
          if (ec) host.ecCheckPublic(pub);
          else host.edCheckPublic(pub);
          const usages = usagesOf(keyUsages, ['verify'], what);
          return makeKey('public', true, algorithmOut, usages, { pub });
        };
        const privKey = priv => {
          const usages = usagesOf(keyUsages, ['sign'], what);
          requireUsages(usages, what);
          const pub = ec ? host.ecPublic(priv) : host.edPublic(priv);
          return makeKey('private', extractable, algorithmOut, usages, { priv, pub });
        };
        if (fmt === 'raw') return pubKey(toBuffer(keyData, what));
        if (fmt === 'spki' || fmt === 'pkcs8') {
          const [kind, material] = fmt === 'spki' ? host.parseSPKI(toBuffer(keyData, what)) : host.parsePKCS8(toBuffer(keyData, what));
          if (kind !== alg.name) fail('DataError', `${what}: the key is an ${kind} key`);
          return fmt === 'spki' ? pubKey(material) : privKey(material);
        }
        if (fmt !== 'jwk') fail('NotSupportedError', `${what}: format "${fmt}" is not supported`);
        const usagesForJwk = usagesOf(keyUsages, ['sign', 'verify'], what);
        checkJwk(keyData, ec ? 'EC' : 'OKP', usagesForJwk, extractable);
        if (keyData.crv !== (ec ? 'P-256' : 'Ed25519')) fail('DataError', `JWK: crv must be "${ec ? 'P-256' : 'Ed25519'}"`);
        const pub = ec ? host.ecFromXY(unb64(keyData.x, 'x'), unb64(keyData.y, 'y')) : unb64(keyData.x, 'x');
        if (keyData.d === undefined) return pubKey(pub);
        const key = privKey(unb64(keyData.d, 'd'));
        if (!host.equal(keyState(key).material.pub, pub)) fail('DataError', 'JWK: d does not match the public key');
        return key;
      }
      default:
        return fail('NotSupportedError', `importKey: ${alg.name} keys are not supported`);
    }
  };

  const exportKey = (format, key) => {
    const s = keyState(key);
    const fmt = String(format);
    if (!s.extractable) fail('InvalidAccessError', 'exportKey: the key is not extractable');
    const name = s.algorithm.name;
    const m = s.material;
    const ops = { key_ops: [...s.usages], ext: true };
    switch (name) {
      case 'HMAC':
      case 'AES-GCM':
        if (fmt === 'raw') return m.secret.slice(0);
        if (fmt === 'jwk') {
          const alg = name === 'HMAC' ? hmacJwkAlg(s.algorithm.hash.name) : gcmJwkAlg(m.secret.byteLength);
          return { kty: 'oct', k: b64(m.secret), alg, ...ops };
        }
        break;
      case 'ECDSA':
      case 'Ed25519': {
        const ec = name === 'ECDSA';
        if (fmt === 'raw') {
          if (s.type !== 'public') fail('InvalidAccessError', 'exportKey: only public keys export as raw');
          return m.pub.slice(0);
        }
        if (fmt === 'spki') {
          if (s.type !== 'public') fail('InvalidAccessError', 'exportKey: only public keys export as spki');
          return host.marshalSPKI(name, m.pub);
        }
        if (fmt === 'pkcs8') {
          if (s.type !== 'private') fail('InvalidAccessError', 'exportKey: only private keys export as pkcs8');
          return host.marshalPKCS8(name, m.priv);
        }
        if (fmt === 'jwk') {
          const jwk = ec ? { kty: 'EC', crv: 'P-256' } : { kty: 'OKP', crv: 'Ed25519' };
          if (ec) {
            const [x, y] = host.ecXY(m.pub);
            jwk.x = b64(x);
            jwk.y = b64(y);
          } else jwk.x = b64(m.pub);
          if (s.type === 'private') jwk.d = b64(m.priv);
          return { ...jwk, ...ops };
        }
        break;
      }
      default:
    }
    return fail('NotSupportedError', `exportKey: format "${fmt}" is not supported for ${name} keys`);
  };

  const generateKey = (algorithm, extractable, keyUsages) => {
    const alg = normalize(algorithm);
    const what = `generateKey(${alg.name})`;
    switch (alg.name) {
      case 'HMAC': {
        const hash = hashOf(alg.hash, what);
        const usages = usagesOf(keyUsages, ['sign', 'verify'], what);
        requireUsages(usages, what);
        const bits = alg.length === undefined ? hashBlockBits(hash) : Number(alg.length);
        if (!(bits > 0) || bits % 8 !== 0) fail('OperationError', `${what}: length must be a positive multiple of 8`);
        return makeKey('secret', extractable, { name: 'HMAC', hash: { name: hash }, length: bits }, usages,
          { secret: host.random(bits / 8) });
      }
      case 'AES-GCM': {
        const usages = usagesOf(keyUsages, ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'], what);
        const bits = Number(alg.length);
        if (![128, 192, 256].includes(bits)) fail('OperationError', `${what}: length must be 128, 192 or 256`);
        requireUsages(usages, what);
        return makeKey('secret', extractable, { name: 'AES-GCM', length: bits }, usages, { secret: host.random(bits / 8) });
      }
      case 'ECDSA':
      case 'Ed25519': {
        const ec = alg.name === 'ECDSA';
        if (ec && alg.namedCurve !== 'P-256') fail('NotSupportedError', `${what}: only the P-256 curve is supported`);
        const usages = usagesOf(keyUsages, ['sign', 'verify'], what);
        const privUsages = usages.filter(u => u === 'sign');
        requireUsages(privUsages, what);
        const [priv, pub] = ec ? host.ecGenerate() : host.edGenerate();
        const algorithmOut = ec ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'Ed25519' };
        return {
          publicKey: makeKey('public', true, algorithmOut, usages.filter(u => u === 'verify'), { pub }),
          privateKey: makeKey('private', extractable, algorithmOut, privUsages, { priv, pub }),
        };
      }
      default:
        return fail('NotSupportedError', `generateKey: ${alg.name} is not supported`);
    }
  };

  const gcmParams = (alg, what) => {
    if (alg.iv === undefined) throw new TypeError(`${what}: the iv member is required`);
    const tagLength = alg.tagLength === undefined ? 128 : Number(alg.tagLength);
    if (![32, 64, 96, 104, 112, 120, 128].includes(tagLength)) {
      fail('OperationError', `${what}: tagLength ${tagLength} is not valid`);
    }
    const aad = alg.additionalData === undefined ? undefined : toBuffer(alg.additionalData, what);
    return [toBuffer(alg.iv, what), aad, tagLength];
  };

  class SubtleCrypto {
    constructor(key = undefined) {
      if (key !== token) throw new TypeError('Illegal constructor: use crypto.subtle');
    }

    digest(algorithm, data) {
      return run(() => {
        const alg = normalize(algorithm);
        if (!hashNames.includes(alg.name)) fail('NotSupportedError', `digest: ${alg.name} is not a digest`);
        return host.digest(alg.name, toBuffer(data, 'digest'));
      });
    }

    importKey(format, keyData, algorithm, extractable, keyUsages) {
      return run(() => importKey(format, keyData, algorithm, extractable, keyUsages));
    }

    exportKey(format, key) {
      return run(() => exportKey(format, key));
    }

    generateKey(algorithm, extractable, keyUsages) {
      return run(() => generateKey(algorithm, extractable, keyUsages));
    }

    sign(algorithm, key, data) {
      return run(() => {
        const alg = normalize(algorithm);
        const s = checkUse(key, alg.name, 'sign', 'sign');
        const bytes = toBuffer(data, 'sign');
        switch (alg.name) {
          case 'HMAC':
            return host.hmac(s.algorithm.hash.name, s.material.secret, bytes);
          case 'ECDSA':
            return host.ecSign(hashOf(alg.hash, 'sign(ECDSA)'), s.material.priv, bytes);
          case 'Ed25519':
            return host.edSign(s.material.priv, bytes);
          default:
            return fail('NotSupportedError', `sign: ${alg.name} does not sign`);
        }
      });
    }

    verify(algorithm, key, signature, data) {
      return run(() => {
        const alg = normalize(algorithm);
        const s = checkUse(key, alg.name, 'verify', 'verify');
        const sig = toBuffer(signature, 'verify');
        const bytes = toBuffer(data, 'verify');
        switch (alg.name) {
          case 'HMAC':
            return host.hmacVerify(s.algorithm.hash.name, s.material.secret, bytes, sig);
          case 'ECDSA':
            return host.ecVerify(hashOf(alg.hash, 'verify(ECDSA)'), s.material.pub, bytes, sig);
          case 'Ed25519':
            return host.edVerify(s.material.pub, bytes, sig);
          default:
            return fail('NotSupportedError', `verify: ${alg.name} does not verify`);
        }
      });
    }

    encrypt(algorithm, key, data) {
      return run(() => {
        const alg = normalize(algorithm);
        if (alg.name !== 'AES-GCM') fail('NotSupportedError', `encrypt: ${alg.name} does not encrypt`);
        const s = checkUse(key, 'AES-GCM', 'encrypt', 'encrypt');
        const [iv, aad, tagLength] = gcmParams(alg, 'encrypt(AES-GCM)');
        return host.gcm(true, s.material.secret, iv, aad, tagLength, toBuffer(data, 'encrypt'));
      });
    }

    decrypt(algorithm, key, data) {
      return run(() => {
        const alg = normalize(algorithm);
        if (alg.name !== 'AES-GCM') fail('NotSupportedError', `decrypt: ${alg.name} does not decrypt`);
        const s = checkUse(key, 'AES-GCM', 'decrypt', 'decrypt');
        const [iv, aad, tagLength] = gcmParams(alg, 'decrypt(AES-GCM)');
        return host.gcm(false, s.material.secret, iv, aad, tagLength, toBuffer(data, 'decrypt'));
      });
    }
  }

  const integerArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
    Uint32Array, BigInt64Array, BigUint64Array];

  class Crypto {
    #subtle = new SubtleCrypto(token);

    constructor(key = undefined) {
      if (key !== token) throw new TypeError('Illegal constructor');
    }

    get subtle() {
      return this.#subtle;
    }

    getRandomValues(array) {
      if (!integerArrays.some(C => array instanceof C)) {
        fail('TypeMismatchError', 'getRandomValues: the argument must be an integer typed array');
      }
      if (array.byteLength > 65536) {
        fail('QuotaExceededError',
          `getRandomValues: the array's byte length (${array.byteLength}) exceeds the 65536 bytes one call may fill`);
      }
      host.fill(array.buffer, array.byteOffset, array.byteLength);
      return array;
    }

    randomUUID() {
      return host.uuid();
    }
  }

  const crypto = new Crypto(token);
  return harden({ crypto, SubtleCrypto, CryptoKey });
});
