package endowments

import (
	"testing"
)

// Cases from the WHATWG URL Standard's behaviour (as browsers show it):
// input, base, and the href ("fail" for a parse failure).
func TestParseURL(t *testing.T) {
	cases := []struct{ in, base, want string }{
		{"http://example.com/", "", "http://example.com/"},
		{"HTTP://EXAMPLE.COM:80/a/../b/./c?x#y", "", "http://example.com/b/c?x#y"},
		{"https://example.com:443", "", "https://example.com/"},
		{"https://example.com:0443", "", "https://example.com/"},
		{"http://example.com:8080x", "", "fail"},
		{"http://example.com:65536", "", "fail"},
		{`http:\\example.com\a\b`, "", "http://example.com/a/b"},
		{"http:example.com/", "", "http://example.com/"},
		{"  \t http://exa\nmple.com/ ", "", "http://example.com/"},
		{"http://0x7f.1/", "", "http://127.0.0.1/"},
		{"http://2130706433/", "", "http://127.0.0.1/"},
		{"http://0177.0.0.1/", "", "http://127.0.0.1/"},
		{"http://256.0.0.1/", "", "fail"},
		{"http://1.2.3.4.5/", "", "fail"},
		{"http://foo.09/", "", "fail"},
		{"http://[::1]:8080/", "", "http://[::1]:8080/"},
		{"http://[0:0:0:0:0:0:0:1]/", "", "http://[::1]/"},
		{"http://[1:0:0:2::3:0]/", "", "http://[1::2:0:0:3:0]/"},
		{"http://[::ffff:192.168.0.1]/", "", "http://[::ffff:c0a8:1]/"},
		{"http://[::1/", "", "fail"},
		{"http://Bücher.example/", "", "http://xn--bcher-kva.example/"},
		{"http://ex%41mple.com/", "", "http://example.com/"},
		{"http://exa mple.com/", "", "fail"},
		{"http://a<b/", "", "fail"},
		{"http://user:pa ss@host/", "", "http://user:pa%20ss@host/"},
		{"http://@host/", "", "http://host/"},
		{"http:///host", "", "http://host/"},
		{"http://", "", "fail"},
		{"/a/b?c", "http://h/x/y", "http://h/a/b?c"},
		{"../c", "http://a/b/c/d", "http://a/b/c"},
		{"?q", "http://a/b?x#f", "http://a/b?q"},
		{"#f2", "http://a/b?x#f", "http://a/b?x#f2"},
		{"//other/p", "https://a/b", "https://other/p"},
		{"", "http://a/b?x#f", "http://a/b?x"},
		{"a", "", "fail"},
		{"mailto:Someone@Example.com", "", "mailto:Someone@Example.com"},
		{"javascript:alert(1)", "", "javascript:alert(1)"},
		{"non-special://h/a/../b", "", "non-special://h/b"},
		{"non-special:/a", "", "non-special:/a"},
		{"web+demo:/.//not-a-host/", "", "web+demo:/.//not-a-host/"},
		{"file:///C:/x/../../y", "", "file:///C:/y"},
		{"file://localhost/etc", "", "file:///etc"},
		{"http://h/a b?c d#e f", "", "http://h/a%20b?c%20d#e%20f"},
		{"http://h/?'", "", "http://h/?%27"},
		{"ws://h/?'", "", "ws://h/?%27"},
		{"x://h/?'", "", "x://h/?'"},
		{"http://h/%2e%2E/a", "", "http://h/a"},
		{"http://h/ü", "", "http://h/%C3%BC"},
		{"http://h.com./", "", "http://h.com./"},
	}
	for _, c := range cases {
		var base *wurl
		if c.base != "" {
			b, err := parseURL(c.base, nil)
			if err != nil {
				t.Fatalf("base %q: %v", c.base, err)
			}
			base = b
		}
		u, err := parseURL(c.in, base)
		got := "fail"
		if err == nil {
			got = u.href()
		}
		if got != c.want {
			t.Errorf("parse(%q, %q) = %q, want %q", c.in, c.base, got, c.want)
		}
		if err == nil {
			again, err := parseURL(got, nil)
			if err != nil || again.href() != got {
				t.Errorf("%q does not parse back to itself", got)
			}
		}
	}
}

func TestURLSetters(t *testing.T) {
	cases := []struct{ href, name, value, want string }{
		{"http://a/b", "protocol", "https", "https://a/b"},
		{"http://a/b", "protocol", "foo", "http://a/b"},
		{"https://a:8080/", "protocol", "http", "http://a:8080/"},
		{"http://a:443/", "protocol", "https", "https://a/"},
		{"http://a/b", "host", "c.com:81", "http://c.com:81/b"},
		{"http://a/b", "hostname", "c.com:81", "http://a/b"},
		{"http://a/b", "hostname", "C.com", "http://c.com/b"},
		{"http://a:1/b", "port", "", "http://a/b"},
		{"http://a/b", "port", "8080abc", "http://a:8080/b"},
		{"http://a/b", "port", "99999", "http://a/b"},
		{"http://a/b", "pathname", "x y/../z", "http://a/z"},
		{"http://a/b", "pathname", "?#", "http://a/%3F%23"},
		{"http://a/b?x", "search", "q=1 2", "http://a/b?q=1%202"},
		{"http://a/b?x", "search", "", "http://a/b"},
		{"http://a/b", "hash", "#f g", "http://a/b#f%20g"},
		{"http://a/b", "username", "u@", "http://u%40@a/b"},
		{"http://a/b", "password", "p:", "http://:p%3A@a/b"},
		{"mailto:x", "pathname", "y", "mailto:x"},
	}
	for _, c := range cases {
		u, err := parseURL(c.href, nil)
		if err != nil {
			t.Fatal(err)
		}
		u.setComponent(c.name, c.value)
		if got := u.href(); got != c.want {
			t.Errorf("%s with %s=%q: %q, want %q", c.href, c.name, c.value, got, c.want)
		}
	}
}

func TestForms(t *testing.T) {
	pairs := parseForm("a=1&b=x+y&c=%C3%BC&&d&=e&f=%zz")
	want := [][2]string{{"a", "1"}, {"b", "x y"}, {"c", "ü"}, {"d", ""}, {"", "e"}, {"f", "%zz"}}
	if len(pairs) != len(want) {
		t.Fatalf("%q", pairs)
	}
	for i := range want {
		if pairs[i] != want[i] {
			t.Errorf("pair %d: %q, want %q", i, pairs[i], want[i])
		}
	}
	if got := serializeForm([][2]string{{"a b", "c&d=é~*"}, {"x", "!'()"}}); got != "a+b=c%26d%3D%C3%A9%7E*&x=%21%27%28%29" {
		t.Errorf("serialize: %s", got)
	}
}

func TestURLClasses(t *testing.T) {
	v := newTestVat(t, []string{"URL", "URLSearchParams"}, "")
	v.expect(`const u = new URL('https://user:pw@Example.com:8443/a/b?x=1&y=2#h');
		return [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash].join('|');`,
		"ok: https://user:pw@example.com:8443/a/b?x=1&y=2#h|https://example.com:8443|https:|user|pw|example.com:8443|example.com|8443|/a/b|?x=1&y=2|#h")
	v.expect(`try { new URL('not a url'); return 'no' } catch (e) { return e.name + ': ' + e.message }`,
		`ok: TypeError: Invalid URL: "not a url"`)
	v.expect(`return new URL('../x', 'http://h/a/b/c').href`, "ok: http://h/a/x")
	v.expect(`return [URL.canParse('http://x'), URL.canParse('nope'), URL.parse('nope')].join()`, "ok: true,false,")
	v.expect(`const u = new URL('http://h/p?a=1'); u.searchParams.append('b', 'x y'); u.searchParams.set('a', '3');
		return u.href`, "ok: http://h/p?a=3&b=x+y")
	v.expect(`const u = new URL('http://h/p?a=1'); const sp = u.searchParams; u.search = '?z=9'; return sp.get('z') + sp.has('a')`, "ok: 9false")
	v.expect(`const u = new URL('http://h/'); u.pathname = 'a b'; u.hash = 'x'; u.port = '81'; return u.toString()`, "ok: http://h:81/a%20b#x")
	v.expect(`const p = new URLSearchParams('?b=2&a=1&b=1'); p.sort(); return p.toString() + ' ' + [...p.keys()].join() + ' ' + p.getAll('b').join() + ' ' + p.size`,
		"ok: a=1&b=2&b=1 a,b,b 2,1 3")
	v.expect(`return new URLSearchParams({x: '1', y: 'é'}).toString() + ' ' + new URLSearchParams([['a', 'b']]).toString()`, "ok: x=1&y=%C3%A9 a=b")
	v.expect(`try { new URLSearchParams([['a']]); return 'no' } catch (e) { return e.name }`, "ok: TypeError")
	v.expect(`const p = new URLSearchParams('a=1&a=2&b=3'); p.delete('a', '2'); return p.toString()`, "ok: a=1&b=3")
	v.expect(`return JSON.stringify({u: new URL('http://h')})`, `ok: {"u":"http://h/"}`)
	// Lone surrogates become U+FFFD; pairs stay.
	v.expect(`return new URLSearchParams({'a\uD800': '\uDC00b', c: '\uD83D\uDE00'}).toString()`, "ok: a%EF%BF%BD=%EF%BF%BDb&c=%F0%9F%98%80")
	v.expect(`const p = new URLSearchParams(); p.append('x\uDC00\uDC00', 'y'); return p.get('x\uFFFD\uFFFD')`, "ok: y")
}
