package marshal

import (
	"errors"
	"unicode/utf8"
)

// JSON strings are written the way JavaScript's JSON.stringify writes them,
// because smallcaps bodies are compared and hashed as bytes: only '"', '\\'
// and control characters are escaped (\b \t \n \f \r by name, the rest as
// lowercase \u00xx), and everything else, including '<', '>', '&', U+2028
// and U+2029, is written as is. JavaScript strings are UTF-16 and may hold a
// lone surrogate; a Go string holds one in its 3-byte WTF-8 form
// (ED A0..BF 80..BF), which is written as \udxxx and read back the same way.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string literal.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendStringContent(b, s)
	return append(b, '"')
}

// appendStringContent appends s escaped as inside a JSON string literal,
// without the quotes, so callers can put a smallcaps prefix before it.
func appendStringContent(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\t':
				b = append(b, '\\', 't')
			case '\n':
				b = append(b, '\\', 'n')
			case '\f':
				b = append(b, '\\', 'f')
			case '\r':
				b = append(b, '\\', 'r')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size != 1 {
			i += size
			continue
		}
		// Not valid UTF-8: a WTF-8 surrogate or stray bytes.
		b = append(b, s[start:i]...)
		if u, ok := surrogateAt(s, i); ok {
			if lo, ok := surrogateAt(s, i+3); ok && u <= 0xDBFF && lo >= 0xDC00 {
				// Two halves of one character, as UTF-16 would join them.
				b = utf8.AppendRune(b, 0x10000+(rune(u)-0xD800)<<10+(rune(lo)-0xDC00))
				i += 6
			} else {
				b = append(b, '\\', 'u', hexDigits[u>>12], hexDigits[u>>8&0xf], hexDigits[u>>4&0xf], hexDigits[u&0xf])
				i += 3
			}
		} else {
			b = append(b, "\uFFFD"...)
			i++
		}
		start = i
	}
	return append(b, s[start:]...)
}

// surrogateAt reads a WTF-8 encoded surrogate code unit at s[i:].
func surrogateAt(s string, i int) (uint16, bool) {
	if i+2 >= len(s) || s[i] != 0xED || s[i+1] < 0xA0 || s[i+1] > 0xBF || s[i+2]&0xC0 != 0x80 {
		return 0, false
	}
	return 0xD000 | uint16(s[i+1]&0x3F)<<6 | uint16(s[i+2]&0x3F), true
}

// appendSurrogate appends the WTF-8 form of a lone surrogate code unit.
func appendSurrogate(b []byte, u uint16) []byte {
	return append(b, 0xED, 0x80|byte(u>>6&0x3F), 0x80|byte(u&0x3F))
}

var errBadString = errors.New("invalid JSON string")

// parseString reads the JSON string literal starting at s[i] (a '"') and
// returns its value and the index after the closing quote. Paired \u
// surrogate escapes become one character; a lone one becomes its WTF-8 form.
func parseString(s string, i int) (string, int, error) {
	i++ // opening quote
	start := i
	// Fast path: no escapes.
	for i < len(s) {
		c := s[i]
		if c == '"' {
			return wellFormed(s[start:i]), i + 1, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", i, errBadString
		}
		i++
	}
	if i >= len(s) {
		return "", i, errBadString
	}
	b := make([]byte, 0, i-start+16)
	b = append(b, s[start:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			return wellFormed(string(b)), i + 1, nil
		case c < 0x20:
			return "", i, errBadString
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return "", i, errBadString
		}
		esc := s[i+1]
		i += 2
		switch esc {
		case '"', '\\', '/':
			b = append(b, esc)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			u, ok := hex4(s, i)
			if !ok {
				return "", i, errBadString
			}
			i += 4
			switch {
			case u < 0xD800 || u > 0xDFFF:
				b = utf8.AppendRune(b, rune(u))
			case u <= 0xDBFF && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u':
				if lo, ok := hex4(s, i+2); ok && lo >= 0xDC00 && lo <= 0xDFFF {
					b = utf8.AppendRune(b, 0x10000+(rune(u)-0xD800)<<10+(rune(lo)-0xDC00))
					i += 6
				} else {
					b = appendSurrogate(b, u)
				}
			default:
				b = appendSurrogate(b, u)
			}
		default:
			return "", i, errBadString
		}
	}
	return "", i, errBadString
}

// hex4 reads four hex digits at s[i:].
func hex4(s string, i int) (uint16, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var u uint16
	for _, c := range []byte(s[i : i+4]) {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		u = u<<4 | uint16(d)
	}
	return u, true
}

// wellFormed makes a decoded string hold only what a JavaScript string can:
// stray bytes that are not UTF-8 become U+FFFD, and two WTF-8 surrogate
// halves that form a pair become that character; lone surrogates stay.
// Without this, two different invalid keys could collide once re-encoded.
func wellFormed(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size != 1 {
			b = append(b, s[i:i+size]...)
			i += size
			continue
		}
		u, ok := surrogateAt(s, i)
		if !ok {
			b = append(b, "\uFFFD"...)
			i++
			continue
		}
		if lo, ok := surrogateAt(s, i+3); ok && u <= 0xDBFF && lo >= 0xDC00 {
			b = utf8.AppendRune(b, 0x10000+(rune(u)-0xD800)<<10+(rune(lo)-0xDC00))
			i += 6
			continue
		}
		b = appendSurrogate(b, u)
		i += 3
	}
	return string(b)
}
