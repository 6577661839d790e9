package endowments

import (
	"strings"
	"unicode/utf8"
)

// urlencode.go: the URL Standard's percent-encode sets and the small
// character classes its parser uses.

// Percent-encode sets: each reports whether a code point must be encoded.
type encodeSet func(r rune) bool

func c0ControlSet(r rune) bool { return r < 0x20 || r > 0x7E }

func fragmentSet(r rune) bool {
	return c0ControlSet(r) || r == ' ' || r == '"' || r == '<' || r == '>' || r == '`'
}

func querySet(r rune) bool {
	return c0ControlSet(r) || r == ' ' || r == '"' || r == '#' || r == '<' || r == '>'
}

func specialQuerySet(r rune) bool { return querySet(r) || r == '\'' }

func pathSet(r rune) bool { return querySet(r) || r == '?' || r == '`' || r == '{' || r == '}' }

func userinfoSet(r rune) bool {
	return pathSet(r) || r == '/' || r == ':' || r == ';' || r == '=' || r == '@' ||
		(r >= '[' && r <= '^') || r == '|'
}

func componentSet(r rune) bool {
	return userinfoSet(r) || (r >= '$' && r <= '&') || r == '+' || r == ','
}

// formSet is the application/x-www-form-urlencoded percent-encode set.
func formSet(r rune) bool {
	return componentSet(r) || r == '!' || (r >= '\'' && r <= ')') || r == '~'
}

const upperHex = "0123456789ABCDEF"

func appendEncoded(b *strings.Builder, r rune, set encodeSet) {
	if !set(r) {
		b.WriteRune(r)
		return
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	for _, c := range buf[:n] {
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
}

func percentEncode(s string, set encodeSet) string {
	var b strings.Builder
	for _, r := range s {
		appendEncoded(&b, r, set)
	}
	return b.String()
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// percentDecode decodes %XX sequences; a % not followed by two hex digits
// stays as it is.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			h, ok1 := hexVal(s[i+1])
			l, ok2 := hexVal(s[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|l)
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return out
}

func isASCIIAlpha(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }
func isASCIIHex(r rune) bool {
	return isASCIIDigit(r) || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}

func toLowerASCII(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}
