package endowments

import (
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// text.go: TextEncoder and TextDecoder, UTF-8 only (the one encoding the
// Encoding Standard requires of TextEncoder, and the one vats exchange).
// Decoding follows the standard's UTF-8 decoder byte for byte, so
// malformed input yields the same U+FFFD replacements as in browsers.

func makeText(e *env) (map[string]goja.Value, error) {
	e.textHost()
	return e.exports("text", "TextEncoder", "TextDecoder"), nil
}

// textHost puts the codec's Go functions on lib (fetch bodies use them too).
func (e *env) textHost() {
	if e.lib.Get("host_text") != nil {
		return
	}
	host := e.rt.NewObject()
	_ = host.Set("encode", func(s string) goja.Value { return e.buffer([]byte(s)) })
	_ = host.Set("encodeInto", func(c goja.FunctionCall) goja.Value {
		src := c.Argument(0).String()
		dst := e.bytesView(c.Argument(1), c.Argument(2), c.Argument(3))
		read, written := encodeInto(src, dst)
		return e.rt.NewArray(read, written)
	})
	_ = host.Set("newDecoder", func(fatal, ignoreBOM bool) goja.Value {
		return e.rt.ToValue(&utf8Decoder{fatal: fatal, ignoreBOM: ignoreBOM})
	})
	_ = host.Set("decode", func(c goja.FunctionCall) goja.Value {
		d, ok := c.Argument(0).Export().(*utf8Decoder)
		if !ok {
			e.throw("TypeError", "TextDecoder: not a decoder")
		}
		s, ok := d.decode(e.bytesOf(c.Argument(1), "TextDecoder.decode: input"), c.Argument(2).ToBoolean())
		if !ok {
			e.throw("TypeError", "TextDecoder.decode: the encoded data was not valid UTF-8")
		}
		return e.rt.ToValue(s)
	})
	_ = host.Set("decodeAll", func(c goja.FunctionCall) goja.Value {
		d := &utf8Decoder{}
		s, _ := d.decode(e.bytesOf(c.Argument(0), "body"), false)
		return e.rt.ToValue(s)
	})
	e.set("host_text", host)
}

// bytesView is the live memory of buf[off:off+n] (an ArrayBuffer shared
// with the caller's typed array), for APIs that write into it.
func (e *env) bytesView(buf, off, n goja.Value) []byte {
	ab, ok := buf.Export().(goja.ArrayBuffer)
	if !ok {
		e.throw("TypeError", "expected an ArrayBuffer")
	}
	b := ab.Bytes()
	o, l := off.ToInteger(), n.ToInteger()
	if o < 0 || l < 0 || o+l > int64(len(b)) {
		e.throw("RangeError", "the view is outside its buffer")
	}
	return b[o : o+l]
}

// encodeInto writes as many whole characters of s as fit into dst and
// returns the UTF-16 code units read and the bytes written.
func encodeInto(s string, dst []byte) (read, written int) {
	for _, r := range s {
		n := utf8.RuneLen(r)
		if written+n > len(dst) {
			break
		}
		utf8.EncodeRune(dst[written:], r)
		written += n
		read += len(utf16.Encode([]rune{r}))
	}
	return read, written
}

// utf8Decoder is the Encoding Standard's UTF-8 decoder with its state kept
// between streaming calls.
type utf8Decoder struct {
	fatal, ignoreBOM bool

	needed, seen int
	cp           rune
	lower, upper byte
	bomSeen      bool
	streaming    bool // the last call had stream: true
}

// decode decodes b; with stream false it also flushes an incomplete
// sequence. ok is false when fatal and the input was malformed.
func (d *utf8Decoder) decode(b []byte, stream bool) (string, bool) {
	if !d.streaming {
		d.reset()
		d.bomSeen = false
	}
	d.streaming = stream
	out := make([]rune, 0, len(b))
	bad := false
	emit := func(r rune) {
		if !d.bomSeen {
			d.bomSeen = true
			if r == 0xFEFF && !d.ignoreBOM {
				return
			}
		}
		out = append(out, r)
	}
	fail := func() {
		bad = true
		emit(utf8.RuneError)
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if d.needed == 0 {
			switch {
			case c <= 0x7F:
				emit(rune(c))
			case c >= 0xC2 && c <= 0xDF:
				d.needed, d.cp = 1, rune(c&0x1F)
			case c >= 0xE0 && c <= 0xEF:
				if c == 0xE0 {
					d.lower = 0xA0
				} else if c == 0xED {
					d.upper = 0x9F
				}
				d.needed, d.cp = 2, rune(c&0xF)
			case c >= 0xF0 && c <= 0xF4:
				if c == 0xF0 {
					d.lower = 0x90
				} else if c == 0xF4 {
					d.upper = 0x8F
				}
				d.needed, d.cp = 3, rune(c&0x7)
			default:
				fail()
			}
			continue
		}
		if c < d.lower || c > d.upper {
			d.reset()
			fail()
			i-- // the byte starts over
			continue
		}
		d.lower, d.upper = 0x80, 0xBF
		d.cp = d.cp<<6 | rune(c&0x3F)
		d.seen++
		if d.seen == d.needed {
			r := d.cp
			d.needed, d.seen, d.cp = 0, 0, 0
			emit(r)
		}
	}
	if !stream && d.needed != 0 {
		d.reset()
		fail()
	}
	if bad && d.fatal {
		d.reset()
		d.streaming = false
		return "", false
	}
	return string(out), true
}

func (d *utf8Decoder) reset() {
	d.needed, d.seen, d.cp, d.lower, d.upper = 0, 0, 0, 0x80, 0xBF
}
