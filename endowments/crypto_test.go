package endowments

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func b64url(t *testing.T, h string) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// cryptoPrelude gives the scripts hex helpers.
const cryptoPrelude = `
const hex = b => Array.from(new Uint8Array(b), x => x.toString(16).padStart(2, '0')).join('');
const unhex = s => new Uint8Array(s.match(/../g).map(x => parseInt(x, 16)));
const enc = s => new Uint8Array(Array.from(s, c => c.charCodeAt(0)));
`

func TestCryptoKnownAnswers(t *testing.T) {
	v := newTestVat(t, []string{"crypto", "SubtleCrypto"}, "")
	run := func(body, want string) { t.Helper(); v.expect(cryptoPrelude+body, "ok: "+want) }

	run(`return hex(await crypto.subtle.digest('SHA-256', enc('abc')))`,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
	run(`return hex(await crypto.subtle.digest({name: 'sha-1'}, enc('abc')))`, "a9993e364706816aba3e25717850c26c9cd0d89d")
	run(`return hex(await crypto.subtle.digest('SHA-512', new Uint8Array(0))).slice(0, 16)`, "cf83e1357eefb8bd")
	run(`return hex(await crypto.subtle.digest('SHA-384', enc('abc'))).slice(0, 16)`, "cb00753f45a35e8b")

	// RFC 4231, test case 1.
	run(`const key = await crypto.subtle.importKey('raw', unhex('0b'.repeat(20)), {name: 'HMAC', hash: 'SHA-256'}, false, ['sign', 'verify']);
		const mac = await crypto.subtle.sign('HMAC', key, enc('Hi There'));
		const ok = await crypto.subtle.verify('HMAC', key, mac, enc('Hi There'));
		const bad = await crypto.subtle.verify('HMAC', key, mac, enc('Hi there'));
		return [hex(mac), ok, bad, key.algorithm.length, key.extractable].join()`,
		"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7,true,false,160,false")

	// The GCM specification's test case 3.
	const (
		gcmP = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
		gcmC = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"
		gcmT = "4d5c2af327cd64a62cf35abd2ba6fab4"
	)
	run(`const key = await crypto.subtle.importKey('raw', unhex('feffe9928665731c6d6a8f9467308308'), 'AES-GCM', true, ['encrypt', 'decrypt']);
		const iv = unhex('cafebabefacedbaddecaf888');
		const c = await crypto.subtle.encrypt({name: 'AES-GCM', iv}, key, unhex('`+gcmP+`'));
		const p = await crypto.subtle.decrypt({name: 'AES-GCM', iv}, key, c);
		const cipher = hex(c);
		let tampered;
		const t = new Uint8Array(c); t[0] ^= 1;
		try { await crypto.subtle.decrypt({name: 'AES-GCM', iv}, key, t); tampered = 'accepted' } catch (e) { tampered = e.name }
		return [cipher, hex(p) === '`+gcmP+`', tampered].join()`,
		gcmC+gcmT+",true,OperationError")

	// RFC 8032, Ed25519 test 1 (empty message) and test 2.
	for _, tc := range []struct{ seed, pub, msg, sig string }{
		{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
			"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
		{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
			"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
	} {
		msg := "new Uint8Array(0)"
		if tc.msg != "" {
			msg = "unhex('" + tc.msg + "')"
		}
		run(`const jwk = {kty: 'OKP', crv: 'Ed25519', d: '`+b64url(t, tc.seed)+`', x: '`+b64url(t, tc.pub)+`'};
			const priv = await crypto.subtle.importKey('jwk', jwk, 'Ed25519', true, ['sign']);
			const pub = await crypto.subtle.importKey('raw', unhex('`+tc.pub+`'), {name: 'Ed25519'}, true, ['verify']);
			const sig = await crypto.subtle.sign('Ed25519', priv, `+msg+`);
			const ok = await crypto.subtle.verify('Ed25519', pub, sig, `+msg+`);
			const exported = await crypto.subtle.exportKey('jwk', priv);
			return [hex(sig), ok, exported.d === jwk.d, hex(await crypto.subtle.exportKey('raw', pub))].join()`,
			tc.sig+",true,true,"+tc.pub)
	}
}

func TestCryptoKeys(t *testing.T) {
	v := newTestVat(t, []string{"crypto", "SubtleCrypto"}, "")
	run := func(body, want string) { t.Helper(); v.expect(cryptoPrelude+body, "ok: "+want) }

	run(`const {publicKey, privateKey} = await crypto.subtle.generateKey({name: 'ECDSA', namedCurve: 'P-256'}, true, ['sign', 'verify']);
		const alg = {name: 'ECDSA', hash: 'SHA-256'};
		const sig = await crypto.subtle.sign(alg, privateKey, enc('msg'));
		const raw = await crypto.subtle.exportKey('raw', publicKey);
		const again = await crypto.subtle.importKey('raw', raw, {name: 'ECDSA', namedCurve: 'P-256'}, true, ['verify']);
		const jwk = await crypto.subtle.exportKey('jwk', privateKey);
		const priv2 = await crypto.subtle.importKey('jwk', jwk, {name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign']);
		const sig2 = await crypto.subtle.sign(alg, priv2, enc('msg'));
		const spki = await crypto.subtle.exportKey('spki', publicKey);
		const fromSpki = await crypto.subtle.importKey('spki', spki, {name: 'ECDSA', namedCurve: 'P-256'}, true, ['verify']);
		const pkcs8 = await crypto.subtle.exportKey('pkcs8', privateKey);
		const fromPkcs8 = await crypto.subtle.importKey('pkcs8', pkcs8, {name: 'ECDSA', namedCurve: 'P-256'}, false, ['sign']);
		return [sig.byteLength, raw.byteLength, await crypto.subtle.verify(alg, again, sig, enc('msg')),
			await crypto.subtle.verify(alg, fromSpki, sig2, enc('msg')),
			await crypto.subtle.verify(alg, publicKey, await crypto.subtle.sign(alg, fromPkcs8, enc('x')), enc('x')),
			await crypto.subtle.verify(alg, publicKey, sig, enc('other')),
			jwk.kty, jwk.crv, publicKey.type, privateKey.type, publicKey.usages.join('+'), priv2.extractable].join()`,
		"64,65,true,true,true,false,EC,P-256,public,private,verify,false")

	run(`const {publicKey, privateKey} = await crypto.subtle.generateKey('Ed25519', false, ['sign', 'verify']);
		const sig = await crypto.subtle.sign('Ed25519', privateKey, enc('m'));
		let err;
		try { await crypto.subtle.exportKey('jwk', privateKey) } catch (e) { err = e.name }
		return [await crypto.subtle.verify('Ed25519', publicKey, sig, enc('m')), err, (await crypto.subtle.exportKey('jwk', publicKey)).kty].join()`,
		"true,InvalidAccessError,OKP")

	run(`const k = await crypto.subtle.generateKey({name: 'HMAC', hash: 'SHA-512'}, true, ['sign']);
		const jwk = await crypto.subtle.exportKey('jwk', k);
		const k2 = await crypto.subtle.importKey('jwk', jwk, {name: 'HMAC', hash: 'SHA-512'}, true, ['sign']);
		return [k.algorithm.length, jwk.alg, hex(await crypto.subtle.sign('HMAC', k, enc('x'))) === hex(await crypto.subtle.sign('HMAC', k2, enc('x')))].join()`,
		"1024,HS512,true")

	run(`const k = await crypto.subtle.generateKey({name: 'AES-GCM', length: 256}, true, ['encrypt', 'decrypt']);
		const iv = crypto.getRandomValues(new Uint8Array(12));
		const c = await crypto.subtle.encrypt({name: 'AES-GCM', iv, additionalData: enc('ad'), tagLength: 96}, k, enc('secret'));
		const p = await crypto.subtle.decrypt({name: 'AES-GCM', iv, additionalData: enc('ad'), tagLength: 96}, k, c);
		let wrongAd;
		try { await crypto.subtle.decrypt({name: 'AES-GCM', iv, additionalData: enc('xx'), tagLength: 96}, k, c) } catch (e) { wrongAd = e.name }
		const jwk = await crypto.subtle.exportKey('jwk', k);
		return [c.byteLength, String.fromCharCode(...new Uint8Array(p)), wrongAd, jwk.alg].join()`,
		"18,secret,OperationError,A256GCM")

	// Errors: what, and of which name.
	for body, want := range map[string]string{
		`await crypto.subtle.digest('MD5', enc('x'))`:                                                                      "NotSupportedError",
		`await crypto.subtle.importKey('raw', new Uint8Array(5), 'AES-GCM', true, ['encrypt'])`:                            "DataError",
		`await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', true, [])`:                                    "SyntaxError",
		`await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', true, ['sign'])`:                              "SyntaxError",
		`await crypto.subtle.importKey('raw', new Uint8Array(65), {name: 'ECDSA', namedCurve: 'P-256'}, true, ['verify'])`: "DataError",
		`await crypto.subtle.generateKey({name: 'ECDSA', namedCurve: 'P-384'}, true, ['sign'])`:                            "NotSupportedError",
		`const k = await crypto.subtle.importKey('raw', new Uint8Array(16), 'AES-GCM', true, ['encrypt']);
		 await crypto.subtle.decrypt({name: 'AES-GCM', iv: new Uint8Array(12)}, k, new Uint8Array(32))`: "InvalidAccessError",
		`crypto.getRandomValues(new Float64Array(2))`:    "TypeMismatchError",
		`crypto.getRandomValues(new Uint8Array(65537))`:  "QuotaExceededError",
		`new SubtleCrypto()`:                             "TypeError",
		`await crypto.subtle.sign('HMAC', {}, enc('x'))`: "TypeError",
	} {
		if got := v.await(cryptoPrelude + "try { " + body + "; return 'no error' } catch (e) { return e.name }"); got != "ok: "+want {
			t.Errorf("%s\n got  %s\n want %s", body, got, want)
		}
	}

	run(`const a = crypto.getRandomValues(new Uint32Array(4)); const b = crypto.getRandomValues(new Uint32Array(4));
		const u = crypto.randomUUID();
		return [a.join() !== b.join(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u),
			crypto.subtle instanceof SubtleCrypto].join()`, "true,true,true")
	if strings.Contains(v.logs.String(), "uncaught") {
		t.Errorf("logs: %s", v.logs)
	}
}
