package endowments

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// base64.go: atob and btoa, on "binary strings" (one character per byte)
// as in browsers. atob is the standard's forgiving decoder: ASCII
// whitespace is ignored and padding is optional, but a character outside
// the alphabet, or a length no padding could explain, is an
// InvalidCharacterError naming what was wrong.

func makeBase64(e *env) (map[string]goja.Value, error) {
	return map[string]goja.Value{
		"atob": e.fn("atob", 1, func(c goja.FunctionCall) goja.Value {
			if len(c.Arguments) < 1 {
				e.throw("TypeError", "atob: 1 argument required, but only 0 present")
			}
			out, msg := atob(c.Argument(0).String())
			if msg != "" {
				e.throw("InvalidCharacterError", "atob: "+msg)
			}
			return e.rt.ToValue(out)
		}),
		"btoa": e.fn("btoa", 1, func(c goja.FunctionCall) goja.Value {
			if len(c.Arguments) < 1 {
				e.throw("TypeError", "btoa: 1 argument required, but only 0 present")
			}
			out, msg := btoa(c.Argument(0).String())
			if msg != "" {
				e.throw("InvalidCharacterError", "btoa: "+msg)
			}
			return e.rt.ToValue(out)
		}),
	}, nil
}

// fn makes a host function with the name and length a script would see.
func (e *env) fn(name string, length int, f func(goja.FunctionCall) goja.Value) goja.Value {
	obj := e.rt.ToValue(f).(*goja.Object)
	_ = obj.DefineDataProperty("name", e.rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	_ = obj.DefineDataProperty("length", e.rt.ToValue(length), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	return obj
}

// btoa encodes a binary string; msg says why it cannot.
func btoa(s string) (out, msg string) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return "", "the string contains characters outside of the Latin1 range"
		}
		b = append(b, byte(r))
	}
	return base64.StdEncoding.EncodeToString(b), ""
}

// atob is forgiving-base64 decode, returning a binary string.
func atob(s string) (out, msg string) {
	data := strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\f', '\r', ' ':
			return -1
		}
		return r
	}, s)
	if len(data)%4 == 0 {
		data = strings.TrimSuffix(data, "=")
		data = strings.TrimSuffix(data, "=")
	}
	if len(data)%4 == 1 {
		return "", "the string to be decoded is not correctly encoded (its length is wrong)"
	}
	for _, r := range data {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/') {
			return "", "the string to be decoded is not correctly encoded (it contains " + quoteRune(r) + ")"
		}
	}
	b, err := base64.RawStdEncoding.DecodeString(data)
	if err != nil {
		return "", "the string to be decoded is not correctly encoded"
	}
	runes := make([]rune, len(b))
	for i, c := range b {
		runes[i] = rune(c)
	}
	return string(runes), ""
}

func quoteRune(r rune) string {
	if r == '=' {
		return `"=" where no padding may be`
	}
	return strconv.Quote(string(r))
}
