package endowments

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"hash"
	"math/big"

	"github.com/dop251/goja"
)

// crypto.go: crypto (getRandomValues, randomUUID, subtle) and
// SubtleCrypto, on Go's standard crypto packages. js/crypto.js holds the
// Web Crypto surface (algorithm normalization, CryptoKey, usages, JWK);
// key material stays in that script's private table and is handed to
// these functions, which hold no state.

func makeCrypto(e *env) (map[string]goja.Value, error) {
	host := e.rt.NewObject()
	set := func(name string, f func(goja.FunctionCall) goja.Value) { _ = host.Set(name, f) }

	set("fill", func(c goja.FunctionCall) goja.Value {
		b := e.bytesView(c.Argument(0), c.Argument(1), c.Argument(2))
		_, _ = rand.Read(b)
		return goja.Undefined()
	})
	set("uuid", func(goja.FunctionCall) goja.Value {
		var u [16]byte
		_, _ = rand.Read(u[:])
		u[6] = u[6]&0x0f | 0x40 // version 4
		u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
		const hexDigits = "0123456789abcdef"
		out := make([]byte, 0, 36)
		for i, b := range u {
			if i == 4 || i == 6 || i == 8 || i == 10 {
				out = append(out, '-')
			}
			out = append(out, hexDigits[b>>4], hexDigits[b&15])
		}
		return e.rt.ToValue(string(out))
	})
	set("digest", func(c goja.FunctionCall) goja.Value {
		h := e.hash(c.Argument(0).String())
		h.Write(e.bytesOf(c.Argument(1), "data"))
		return e.buffer(h.Sum(nil))
	})
	set("random", func(c goja.FunctionCall) goja.Value {
		b := make([]byte, c.Argument(0).ToInteger())
		_, _ = rand.Read(b)
		return e.buffer(b)
	})
	set("hmac", func(c goja.FunctionCall) goja.Value {
		name := c.Argument(0).String()
		m := hmac.New(func() hash.Hash { return e.hash(name) }, e.bytesOf(c.Argument(1), "key"))
		m.Write(e.bytesOf(c.Argument(2), "data"))
		return e.buffer(m.Sum(nil))
	})
	set("hmacVerify", func(c goja.FunctionCall) goja.Value {
		name := c.Argument(0).String()
		m := hmac.New(func() hash.Hash { return e.hash(name) }, e.bytesOf(c.Argument(1), "key"))
		m.Write(e.bytesOf(c.Argument(2), "data"))
		return e.rt.ToValue(hmac.Equal(m.Sum(nil), e.bytesOf(c.Argument(3), "signature")))
	})
	set("gcm", func(c goja.FunctionCall) goja.Value {
		seal := c.Argument(0).ToBoolean()
		key := e.bytesOf(c.Argument(1), "key")
		iv := e.bytesOf(c.Argument(2), "iv")
		aad := e.bytesOf(c.Argument(3), "additionalData")
		tagBytes := int(c.Argument(4).ToInteger()) / 8
		data := e.bytesOf(c.Argument(5), "data")
		block, err := aes.NewCipher(key)
		if err != nil {
			e.throw("DataError", "AES-GCM: the key must be 16, 24 or 32 bytes")
		}
		if len(iv) == 0 {
			e.throw("OperationError", "AES-GCM: the iv must not be empty")
		}
		var aead cipher.AEAD
		switch {
		case len(iv) == 12:
			aead, err = cipher.NewGCMWithTagSize(block, tagBytes)
		case tagBytes == 16:
			aead, err = cipher.NewGCMWithNonceSize(block, len(iv))
		default:
			e.throw("NotSupportedError", "AES-GCM: a tag shorter than 128 bits needs a 96-bit iv")
		}
		if err != nil {
			e.throw("NotSupportedError", "AES-GCM: "+err.Error())
		}
		if seal {
			return e.buffer(aead.Seal(nil, iv, data, aad))
		}
		out, err := aead.Open(nil, iv, data, aad)
		if err != nil {
			e.throw("OperationError", "AES-GCM: the data could not be decrypted (wrong key, iv, additional data or tag)")
		}
		return e.buffer(out)
	})

	// ECDSA on P-256: private keys are the 32-byte scalar, public keys the
	// 65-byte uncompressed point; signatures are r||s (IEEE P1363), as
	// Web Crypto has them.
	set("ecGenerate", func(goja.FunctionCall) goja.Value {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			e.throw("OperationError", err.Error())
		}
		d, _ := k.Bytes()
		pub, _ := k.PublicKey.Bytes()
		return e.rt.NewArray(e.buffer(d), e.buffer(pub))
	})
	set("ecPublic", func(c goja.FunctionCall) goja.Value {
		k := e.ecPrivate(e.bytesOf(c.Argument(0), "key"))
		pub, _ := k.PublicKey.Bytes()
		return e.buffer(pub)
	})
	set("ecCheckPublic", func(c goja.FunctionCall) goja.Value {
		e.ecPublic(e.bytesOf(c.Argument(0), "key"))
		return goja.Undefined()
	})
	set("ecSign", func(c goja.FunctionCall) goja.Value {
		h := e.hash(c.Argument(0).String())
		k := e.ecPrivate(e.bytesOf(c.Argument(1), "key"))
		h.Write(e.bytesOf(c.Argument(2), "data"))
		der, err := ecdsa.SignASN1(rand.Reader, k, h.Sum(nil))
		if err != nil {
			e.throw("OperationError", err.Error())
		}
		var sig struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(der, &sig); err != nil {
			e.throw("OperationError", err.Error())
		}
		out := make([]byte, 64)
		sig.R.FillBytes(out[:32])
		sig.S.FillBytes(out[32:])
		return e.buffer(out)
	})
	set("ecVerify", func(c goja.FunctionCall) goja.Value {
		h := e.hash(c.Argument(0).String())
		k := e.ecPublic(e.bytesOf(c.Argument(1), "key"))
		h.Write(e.bytesOf(c.Argument(2), "data"))
		sig := e.bytesOf(c.Argument(3), "signature")
		if len(sig) != 64 {
			return e.rt.ToValue(false)
		}
		der, err := asn1.Marshal(struct{ R, S *big.Int }{
			new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]),
		})
		if err != nil {
			return e.rt.ToValue(false)
		}
		return e.rt.ToValue(ecdsa.VerifyASN1(k, h.Sum(nil), der))
	})

	// Ed25519: private keys are the 32-byte seed, public keys 32 bytes.
	set("edGenerate", func(goja.FunctionCall) goja.Value {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			e.throw("OperationError", err.Error())
		}
		return e.rt.NewArray(e.buffer(priv.Seed()), e.buffer(pub))
	})
	set("edPublic", func(c goja.FunctionCall) goja.Value {
		seed := e.edSeed(e.bytesOf(c.Argument(0), "key"))
		return e.buffer(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
	})
	set("edCheckPublic", func(c goja.FunctionCall) goja.Value {
		if len(e.bytesOf(c.Argument(0), "key")) != ed25519.PublicKeySize {
			e.throw("DataError", "Ed25519: a public key is 32 bytes")
		}
		return goja.Undefined()
	})
	set("edSign", func(c goja.FunctionCall) goja.Value {
		seed := e.edSeed(e.bytesOf(c.Argument(0), "key"))
		return e.buffer(ed25519.Sign(ed25519.NewKeyFromSeed(seed), e.bytesOf(c.Argument(1), "data")))
	})
	set("edVerify", func(c goja.FunctionCall) goja.Value {
		pub := e.bytesOf(c.Argument(0), "key")
		sig := e.bytesOf(c.Argument(2), "signature")
		if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
			return e.rt.ToValue(false)
		}
		return e.rt.ToValue(ed25519.Verify(pub, e.bytesOf(c.Argument(1), "data"), sig))
	})

	// spki and pkcs8 (DER), for ECDSA P-256 and Ed25519 keys.
	set("parseSPKI", func(c goja.FunctionCall) goja.Value {
		k, err := x509.ParsePKIXPublicKey(e.bytesOf(c.Argument(0), "keyData"))
		if err != nil {
			e.throw("DataError", "spki: "+err.Error())
		}
		switch k := k.(type) {
		case *ecdsa.PublicKey:
			if k.Curve != elliptic.P256() {
				e.throw("NotSupportedError", "spki: only P-256 ECDSA keys are supported")
			}
			pub, _ := k.Bytes()
			return e.rt.NewArray("ECDSA", e.buffer(pub))
		case ed25519.PublicKey:
			return e.rt.NewArray("Ed25519", e.buffer(k))
		}
		e.throw("NotSupportedError", "spki: only ECDSA P-256 and Ed25519 keys are supported")
		return nil
	})
	set("parsePKCS8", func(c goja.FunctionCall) goja.Value {
		k, err := x509.ParsePKCS8PrivateKey(e.bytesOf(c.Argument(0), "keyData"))
		if err != nil {
			e.throw("DataError", "pkcs8: "+err.Error())
		}
		switch k := k.(type) {
		case *ecdsa.PrivateKey:
			if k.Curve != elliptic.P256() {
				e.throw("NotSupportedError", "pkcs8: only P-256 ECDSA keys are supported")
			}
			d, _ := k.Bytes()
			return e.rt.NewArray("ECDSA", e.buffer(d))
		case ed25519.PrivateKey:
			return e.rt.NewArray("Ed25519", e.buffer(k.Seed()))
		}
		e.throw("NotSupportedError", "pkcs8: only ECDSA P-256 and Ed25519 keys are supported")
		return nil
	})
	set("marshalSPKI", func(c goja.FunctionCall) goja.Value {
		raw := e.bytesOf(c.Argument(1), "key")
		var pub any = ed25519.PublicKey(raw)
		if c.Argument(0).String() == "ECDSA" {
			pub = e.ecPublic(raw)
		}
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			e.throw("OperationError", err.Error())
		}
		return e.buffer(der)
	})
	set("marshalPKCS8", func(c goja.FunctionCall) goja.Value {
		raw := e.bytesOf(c.Argument(1), "key")
		var priv any
		if c.Argument(0).String() == "ECDSA" {
			priv = e.ecPrivate(raw)
		} else {
			priv = ed25519.NewKeyFromSeed(e.edSeed(raw))
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			e.throw("OperationError", err.Error())
		}
		return e.buffer(der)
	})

	// JWK members are base64url without padding.
	set("b64urlEncode", func(c goja.FunctionCall) goja.Value {
		return e.rt.ToValue(base64.RawURLEncoding.EncodeToString(e.bytesOf(c.Argument(0), "data")))
	})
	set("b64urlDecode", func(c goja.FunctionCall) goja.Value {
		b, err := base64.RawURLEncoding.DecodeString(c.Argument(0).String())
		if err != nil {
			e.throw("DataError", "JWK: a member is not valid base64url")
		}
		return e.buffer(b)
	})
	set("ecXY", func(c goja.FunctionCall) goja.Value {
		pub := e.bytesOf(c.Argument(0), "key")
		e.ecPublic(pub)
		return e.rt.NewArray(e.buffer(pub[1:33]), e.buffer(pub[33:65]))
	})
	set("ecFromXY", func(c goja.FunctionCall) goja.Value {
		x, y := e.bytesOf(c.Argument(0), "x"), e.bytesOf(c.Argument(1), "y")
		if len(x) != 32 || len(y) != 32 {
			e.throw("DataError", "JWK: P-256 coordinates are 32 bytes")
		}
		pub := append(append([]byte{4}, x...), y...)
		e.ecPublic(pub)
		return e.buffer(pub)
	})
	set("equal", func(c goja.FunctionCall) goja.Value {
		a, b := e.bytesOf(c.Argument(0), "a"), e.bytesOf(c.Argument(1), "b")
		return e.rt.ToValue(subtle.ConstantTimeCompare(a, b) == 1)
	})

	e.set("host_crypto", host)
	return e.exports("crypto", "crypto", "SubtleCrypto"), nil
}

var hashes = map[string]crypto.Hash{
	"SHA-1": crypto.SHA1, "SHA-256": crypto.SHA256, "SHA-384": crypto.SHA384, "SHA-512": crypto.SHA512,
}

func (e *env) hash(name string) hash.Hash {
	switch hashes[name] {
	case crypto.SHA1:
		return sha1.New()
	case crypto.SHA256:
		return sha256.New()
	case crypto.SHA384:
		return sha512.New384()
	case crypto.SHA512:
		return sha512.New()
	}
	e.throw("NotSupportedError", "unsupported hash "+name)
	return nil
}

func (e *env) ecPrivate(d []byte) *ecdsa.PrivateKey {
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		e.throw("DataError", "ECDSA: invalid P-256 private key")
	}
	return k
}

func (e *env) ecPublic(pub []byte) *ecdsa.PublicKey {
	k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pub)
	if err != nil {
		e.throw("DataError", "ECDSA: invalid P-256 public key (expected a 65-byte uncompressed point on the curve)")
	}
	return k
}

func (e *env) edSeed(seed []byte) []byte {
	if len(seed) != ed25519.SeedSize {
		e.throw("DataError", "Ed25519: a private key is a 32-byte seed")
	}
	return seed
}
