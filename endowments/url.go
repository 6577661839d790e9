package endowments

import (
	"strings"

	"github.com/dop251/goja"
)

// url.go: URL and URLSearchParams. Parsing and the setters are the WHATWG
// URL Standard's (whatwgurl.go); js/url.js holds the classes, which keep
// only the serialized URL and ask Go for every change.

func makeURL(e *env) (map[string]goja.Value, error) {
	e.urlHost()
	return e.exports("url", "URL", "URLSearchParams"), nil
}

func (e *env) urlHost() {
	if e.lib.Get("host_url") != nil {
		return
	}
	host := e.rt.NewObject()
	// parse(input, base?) returns the components, or null when input (or
	// base) is not a valid URL.
	_ = host.Set("parse", func(c goja.FunctionCall) goja.Value {
		var base *wurl
		if b := c.Argument(1); !goja.IsUndefined(b) {
			parsed, err := parseURL(b.String(), nil)
			if err != nil {
				return goja.Null()
			}
			base = parsed
		}
		u, err := parseURL(c.Argument(0).String(), base)
		if err != nil {
			return goja.Null()
		}
		return e.urlComponents(u)
	})
	// set(href, setter, value) applies one URL setter to a valid href.
	_ = host.Set("set", func(href, name, value string) goja.Value {
		u, err := parseURL(href, nil)
		if err != nil {
			e.throw("TypeError", "URL: invalid URL "+href)
		}
		u.setComponent(name, value)
		return e.urlComponents(u)
	})
	_ = host.Set("formParse", func(s string) goja.Value {
		pairs := parseForm(s)
		flat := make([]any, 0, 2*len(pairs))
		for _, p := range pairs {
			flat = append(flat, p[0], p[1])
		}
		return e.rt.NewArray(flat...)
	})
	_ = host.Set("formSerialize", func(flat []string) string {
		pairs := make([][2]string, 0, len(flat)/2)
		for i := 0; i+1 < len(flat); i += 2 {
			pairs = append(pairs, [2]string{flat[i], flat[i+1]})
		}
		return serializeForm(pairs)
	})
	e.set("host_url", host)
}

func (e *env) urlComponents(u *wurl) goja.Value {
	o := e.rt.NewObject()
	for _, kv := range [][2]string{
		{"href", u.href()},
		{"origin", u.origin()},
		{"protocol", u.scheme + ":"},
		{"username", u.username},
		{"password", u.password},
		{"host", u.hostPort()},
		{"hostname", u.host},
		{"port", u.portString()},
		{"pathname", u.pathString()},
		{"search", u.search()},
		{"hash", u.hash()},
	} {
		_ = o.Set(kv[0], kv[1])
	}
	return o
}

// Forms (application/x-www-form-urlencoded), for URLSearchParams.

// parseForm splits a query into name/value pairs.
func parseForm(s string) [][2]string {
	var out [][2]string
	for _, seq := range strings.Split(s, "&") {
		if seq == "" {
			continue
		}
		name, value, _ := strings.Cut(seq, "=")
		decode := func(x string) string {
			b := percentDecode(strings.ReplaceAll(x, "+", " "))
			return strings.ToValidUTF8(string(b), "\uFFFD")
		}
		out = append(out, [2]string{decode(name), decode(value)})
	}
	return out
}

func serializeForm(pairs [][2]string) string {
	var b strings.Builder
	enc := func(s string) {
		for _, r := range s {
			if r == ' ' {
				b.WriteByte('+')
			} else {
				appendEncoded(&b, r, formSet)
			}
		}
	}
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		enc(p[0])
		b.WriteByte('=')
		enc(p[1])
	}
	return b.String()
}
