package endowments

import (
	"testing"
)

func TestTextCodec(t *testing.T) {
	v := newTestVat(t, []string{"TextEncoder", "TextDecoder"}, "")
	v.expect(`return Array.from(new TextEncoder().encode('é€😀')).join()`, "ok: 195,169,226,130,172,240,159,152,128")
	v.expect(`return Array.from(new TextEncoder().encode('a\uD800b')).join()`, "ok: 97,239,191,189,98")
	v.expect(`const d = new Uint8Array(5); const r = new TextEncoder().encodeInto('a€😀', d); return [r.read, r.written, Array.from(d).join('.')].join()`,
		"ok: 2,4,97.226.130.172.0")
	v.expect(`return new TextDecoder().decode(new Uint8Array([0xEF,0xBB,0xBF,104,105]))`, "ok: hi")
	v.expect(`return new TextDecoder('utf-8', {ignoreBOM: true}).decode(new Uint8Array([0xEF,0xBB,0xBF,104])).length`, "ok: 2")
	v.expect(`return escape(new TextDecoder().decode(new Uint8Array([0xE2,0x82,0x41,0xFF])))`, "ok: %uFFFDA%uFFFD")
	v.expect(`try { new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0xC3])); return 'no' } catch (e) { return e.name }`, "ok: TypeError")
	v.expect(`const d = new TextDecoder(); const bytes = new TextEncoder().encode('€'); 
		return d.decode(bytes.subarray(0, 1), {stream: true}) + '|' + d.decode(bytes.subarray(1), {stream: true}) + '|' + d.decode()`, "ok: |€|")
	v.expect(`const d = new TextDecoder(); d.decode(new Uint8Array([0xE2]), {stream: true}); return escape(d.decode())`, "ok: %uFFFD")
	v.expect(`try { new TextDecoder('latin1'); return 'no' } catch (e) { return e.name }`, "ok: RangeError")
	v.expect(`return new TextDecoder().decode(new DataView(new Uint8Array([104, 105]).buffer))`, "ok: hi")
	v.expect(`const d = new TextDecoder(); return [d.encoding, d.fatal, d.ignoreBOM].join()`, "ok: utf-8,false,false")
}

func TestBase64(t *testing.T) {
	v := newTestVat(t, []string{"atob", "btoa"}, "")
	v.expect(`return btoa('hello') + ' ' + atob('aGVsbG8=') + ' ' + atob(' aGVs\nbG8 ') + ' ' + atob('aGk')`, "ok: aGVsbG8= hello hello hi")
	v.expect(`return atob(btoa('\xff\x00\x80')).charCodeAt(0)`, "ok: 255")
	v.expect(`try { atob('a'); return 'no' } catch (e) { return e.name + ' ' + e.code + ' ' + e.message }`,
		"ok: InvalidCharacterError 5 atob: the string to be decoded is not correctly encoded (its length is wrong)")
	v.expect(`try { atob('ab*d'); return 'no' } catch (e) { return e.name + ' ' + (e instanceof Error) }`, "ok: InvalidCharacterError true")
	v.expect(`try { atob('ab=d'); return 'no' } catch (e) { return e.name }`, "ok: InvalidCharacterError")
	v.expect(`try { btoa('€'); return 'no' } catch (e) { return e.name }`, "ok: InvalidCharacterError")
	v.expect(`try { atob(); return 'no' } catch (e) { return e.name }`, "ok: TypeError")
	v.expect(`return atob.name + atob.length + btoa.name`, "ok: atob1btoa")
}
