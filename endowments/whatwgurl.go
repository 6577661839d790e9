package endowments

import (
	"errors"
	"strconv"
	"strings"
)

// whatwgurl.go is the WHATWG URL Standard's basic URL parser, written from
// the standard's state machine (hosts in urlhost.go, percent-encode sets in
// urlencode.go, serialization and setters in urlparts.go): vats parse URLs
// the way browsers do (backslashes, IPv4 shorthands, IDNA, percent-encoding
// sets), not the way Go's net/url does.

// wurl is a parsed URL record. Absent (null) components have has* false.
type wurl struct {
	scheme      string
	username    string
	password    string
	host        string
	hasHost     bool
	port        int // -1: no port
	path        []string
	opaque      string // the path, when hasOpaque
	hasOpaque   bool
	query       string
	hasQuery    bool
	fragment    string
	hasFragment bool
}

var errInvalidURL = errors.New("invalid URL")

var specialPorts = map[string]int{"ftp": 21, "file": -1, "http": 80, "https": 443, "ws": 80, "wss": 443}

func isSpecialScheme(s string) bool { _, ok := specialPorts[s]; return ok }

func defaultPort(scheme string) int {
	if p, ok := specialPorts[scheme]; ok {
		return p
	}
	return -1
}

func (u *wurl) special() bool { return isSpecialScheme(u.scheme) }

// cannotHaveCredentials: a URL without a real host (or a file URL) has no
// username, password or port.
func (u *wurl) cannotHaveCredentials() bool {
	return !u.hasHost || u.host == "" || u.scheme == "file"
}

func (u *wurl) hasCredentials() bool { return u.username != "" || u.password != "" }

func (u *wurl) clone() *wurl {
	c := *u
	c.path = append([]string(nil), u.path...)
	return &c
}

// The parser's states, named as in the standard.
type urlState int

const (
	stNone urlState = iota
	stSchemeStart
	stScheme
	stNoScheme
	stSpecialRelativeOrAuthority
	stPathOrAuthority
	stRelative
	stRelativeSlash
	stSpecialAuthoritySlashes
	stSpecialAuthorityIgnoreSlashes
	stAuthority
	stHost
	stHostname
	stPort
	stFile
	stFileSlash
	stFileHost
	stPathStart
	stPath
	stOpaquePath
	stQuery
	stFragment
)

func isWindowsDriveLetter(s []rune, normalizedOnly bool) bool {
	if len(s) != 2 || !isASCIIAlpha(s[0]) {
		return false
	}
	return s[1] == ':' || (!normalizedOnly && s[1] == '|')
}

func startsWithWindowsDriveLetter(s []rune) bool {
	if len(s) < 2 || !isWindowsDriveLetter(s[:2], false) {
		return false
	}
	if len(s) == 2 {
		return true
	}
	switch s[2] {
	case '/', '\\', '?', '#':
		return true
	}
	return false
}

func isSingleDot(s string) bool { return s == "." || strings.EqualFold(s, "%2e") }

func isDoubleDot(s string) bool {
	switch strings.ToLower(s) {
	case "..", ".%2e", "%2e.", "%2e%2e":
		return true
	}
	return false
}

func (u *wurl) shortenPath() {
	if u.scheme == "file" && len(u.path) == 1 && isWindowsDriveLetter([]rune(u.path[0]), true) {
		return
	}
	if len(u.path) > 0 {
		u.path = u.path[:len(u.path)-1]
	}
}

// parseURL is the basic URL parser without a given URL: it parses input,
// relative to base when base is not nil.
func parseURL(input string, base *wurl) (*wurl, error) {
	input = strings.TrimFunc(input, func(r rune) bool { return r <= 0x20 })
	u := &wurl{port: -1}
	if err := basicParse(input, base, u, stNone); err != nil {
		return nil, err
	}
	return u, nil
}

// basicParse runs the state machine over input. With override set it is
// one of the URL setters: it changes u in place (the caller works on a
// copy) and stops where the standard says "return".
func basicParse(input string, base *wurl, u *wurl, override urlState) error {
	in := []rune(strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, input))
	state := override
	if state == stNone {
		state = stSchemeStart
	}
	var buf []rune
	atSignSeen, insideBrackets, passwordTokenSeen := false, false, false
	const eof = rune(-1)
	at := func(i int) rune {
		if i >= 0 && i < len(in) {
			return in[i]
		}
		return eof
	}
	remainingStarts := func(i int, s string) bool {
		return strings.HasPrefix(string(in[min(i+1, len(in)):]), s)
	}

	for p := 0; ; p++ {
		c := at(p)
		switch state {
		case stSchemeStart:
			switch {
			case isASCIIAlpha(c):
				buf = append(buf, toLowerASCII(c))
				state = stScheme
			case override == stNone:
				state = stNoScheme
				p--
			default:
				return errInvalidURL
			}

		case stScheme:
			switch {
			case isASCIIAlpha(c) || isASCIIDigit(c) || c == '+' || c == '-' || c == '.':
				buf = append(buf, toLowerASCII(c))
			case c == ':':
				scheme := string(buf)
				if override != stNone {
					if u.special() != isSpecialScheme(scheme) {
						return nil
					}
					if (u.hasCredentials() || u.port >= 0) && scheme == "file" {
						return nil
					}
					if u.scheme == "file" && u.hasHost && u.host == "" {
						return nil
					}
				}
				u.scheme = scheme
				if override != stNone {
					if u.port == defaultPort(u.scheme) {
						u.port = -1
					}
					return nil
				}
				buf = buf[:0]
				switch {
				case u.scheme == "file":
					state = stFile
				case u.special() && base != nil && base.scheme == u.scheme:
					state = stSpecialRelativeOrAuthority
				case u.special():
					state = stSpecialAuthoritySlashes
				case remainingStarts(p, "/"):
					state = stPathOrAuthority
					p++
				default:
					u.hasOpaque, u.opaque = true, ""
					state = stOpaquePath
				}
			case override == stNone:
				buf = buf[:0]
				state = stNoScheme
				p = -1
			default:
				return errInvalidURL
			}

		case stNoScheme:
			switch {
			case base == nil || (base.hasOpaque && c != '#'):
				return errInvalidURL
			case base.hasOpaque && c == '#':
				u.scheme = base.scheme
				u.hasOpaque, u.opaque = true, base.opaque
				u.hasQuery, u.query = base.hasQuery, base.query
				u.hasFragment, u.fragment = true, ""
				state = stFragment
			case base.scheme != "file":
				state = stRelative
				p--
			default:
				state = stFile
				p--
			}

		case stSpecialRelativeOrAuthority:
			if c == '/' && remainingStarts(p, "/") {
				state = stSpecialAuthorityIgnoreSlashes
				p++
			} else {
				state = stRelative
				p--
			}

		case stPathOrAuthority:
			if c == '/' {
				state = stAuthority
			} else {
				state = stPath
				p--
			}

		case stRelative:
			u.scheme = base.scheme
			switch {
			case c == '/':
				state = stRelativeSlash
			case u.special() && c == '\\':
				state = stRelativeSlash
			default:
				u.username, u.password = base.username, base.password
				u.host, u.hasHost, u.port = base.host, base.hasHost, base.port
				u.path = append([]string(nil), base.path...)
				u.hasQuery, u.query = base.hasQuery, base.query
				switch {
				case c == '?':
					u.hasQuery, u.query = true, ""
					state = stQuery
				case c == '#':
					u.hasFragment, u.fragment = true, ""
					state = stFragment
				case c != eof:
					u.hasQuery, u.query = false, ""
					u.shortenPath()
					state = stPath
					p--
				}
			}

		case stRelativeSlash:
			switch {
			case u.special() && (c == '/' || c == '\\'):
				state = stSpecialAuthorityIgnoreSlashes
			case c == '/':
				state = stAuthority
			default:
				u.username, u.password = base.username, base.password
				u.host, u.hasHost, u.port = base.host, base.hasHost, base.port
				state = stPath
				p--
			}

		case stSpecialAuthoritySlashes:
			state = stSpecialAuthorityIgnoreSlashes
			if c == '/' && remainingStarts(p, "/") {
				p++
			} else {
				p--
			}

		case stSpecialAuthorityIgnoreSlashes:
			if c != '/' && c != '\\' {
				state = stAuthority
				p--
			}

		case stAuthority:
			switch {
			case c == '@':
				if atSignSeen {
					buf = append([]rune("%40"), buf...)
				}
				atSignSeen = true
				var user, pass strings.Builder
				user.WriteString(u.username)
				pass.WriteString(u.password)
				for _, r := range buf {
					if r == ':' && !passwordTokenSeen {
						passwordTokenSeen = true
						continue
					}
					if passwordTokenSeen {
						appendEncoded(&pass, r, userinfoSet)
					} else {
						appendEncoded(&user, r, userinfoSet)
					}
				}
				u.username, u.password = user.String(), pass.String()
				buf = buf[:0]
			case c == eof || c == '/' || c == '?' || c == '#' || (u.special() && c == '\\'):
				if atSignSeen && len(buf) == 0 {
					return errInvalidURL
				}
				p -= len(buf) + 1
				buf = buf[:0]
				state = stHost
			default:
				buf = append(buf, c)
			}

		case stHost, stHostname:
			switch {
			case override != stNone && u.scheme == "file":
				p--
				state = stFileHost
			case c == ':' && !insideBrackets:
				if len(buf) == 0 {
					return errInvalidURL
				}
				if override == stHostname {
					return nil
				}
				h, err := parseHost(string(buf), !u.special())
				if err != nil {
					return err
				}
				u.host, u.hasHost = h, true
				buf = buf[:0]
				state = stPort
			case c == eof || c == '/' || c == '?' || c == '#' || (u.special() && c == '\\'):
				p--
				if u.special() && len(buf) == 0 {
					return errInvalidURL
				}
				if override != stNone && len(buf) == 0 && (u.hasCredentials() || u.port >= 0) {
					return nil
				}
				h, err := parseHost(string(buf), !u.special())
				if err != nil {
					return err
				}
				u.host, u.hasHost = h, true
				buf = buf[:0]
				state = stPathStart
				if override != stNone {
					return nil
				}
			default:
				if c == '[' {
					insideBrackets = true
				} else if c == ']' {
					insideBrackets = false
				}
				buf = append(buf, c)
			}

		case stPort:
			switch {
			case isASCIIDigit(c):
				buf = append(buf, c)
			case c == eof || c == '/' || c == '?' || c == '#' || (u.special() && c == '\\') || override != stNone:
				if len(buf) > 0 {
					digits := strings.TrimLeft(string(buf), "0")
					port := 0
					if len(digits) > 5 {
						return errInvalidURL
					}
					if digits != "" {
						port, _ = strconv.Atoi(digits)
					}
					if port > 65535 {
						return errInvalidURL
					}
					if port == defaultPort(u.scheme) {
						u.port = -1
					} else {
						u.port = port
					}
					buf = buf[:0]
				}
				if override != stNone {
					return nil
				}
				state = stPathStart
				p--
			default:
				return errInvalidURL
			}

		case stFile:
			u.scheme = "file"
			u.host, u.hasHost = "", true
			switch {
			case c == '/' || c == '\\':
				state = stFileSlash
			case base != nil && base.scheme == "file":
				u.host, u.hasHost = base.host, base.hasHost
				u.path = append([]string(nil), base.path...)
				u.hasQuery, u.query = base.hasQuery, base.query
				switch {
				case c == '?':
					u.hasQuery, u.query = true, ""
					state = stQuery
				case c == '#':
					u.hasFragment, u.fragment = true, ""
					state = stFragment
				case c != eof:
					u.hasQuery, u.query = false, ""
					if !startsWithWindowsDriveLetter(in[p:]) {
						u.shortenPath()
					} else {
						u.path = nil
					}
					state = stPath
					p--
				}
			default:
				state = stPath
				p--
			}

		case stFileSlash:
			if c == '/' || c == '\\' {
				state = stFileHost
				break
			}
			if base != nil && base.scheme == "file" {
				u.host, u.hasHost = base.host, base.hasHost
				if !startsWithWindowsDriveLetter(in[p:]) && len(base.path) > 0 &&
					isWindowsDriveLetter([]rune(base.path[0]), true) {
					u.path = append(u.path, base.path[0])
				}
			}
			state = stPath
			p--

		case stFileHost:
			if c == eof || c == '/' || c == '\\' || c == '?' || c == '#' {
				p--
				switch {
				case override == stNone && isWindowsDriveLetter(buf, false):
					state = stPath // buf is kept: it starts the path
				case len(buf) == 0:
					u.host, u.hasHost = "", true
					if override != stNone {
						return nil
					}
					state = stPathStart
				default:
					h, err := parseHost(string(buf), false)
					if err != nil {
						return err
					}
					if h == "localhost" {
						h = ""
					}
					u.host, u.hasHost = h, true
					if override != stNone {
						return nil
					}
					buf = buf[:0]
					state = stPathStart
				}
			} else {
				buf = append(buf, c)
			}

		case stPathStart:
			switch {
			case u.special():
				state = stPath
				if c != '/' && c != '\\' {
					p--
				}
			case override == stNone && c == '?':
				u.hasQuery, u.query = true, ""
				state = stQuery
			case override == stNone && c == '#':
				u.hasFragment, u.fragment = true, ""
				state = stFragment
			case c != eof:
				state = stPath
				if c != '/' {
					p--
				}
			case override != stNone && !u.hasHost:
				u.path = append(u.path, "")
			}

		case stPath:
			slash := c == '/' || (u.special() && c == '\\')
			if c == eof || slash || (override == stNone && (c == '?' || c == '#')) {
				seg := string(buf)
				switch {
				case isDoubleDot(seg):
					u.shortenPath()
					if !slash {
						u.path = append(u.path, "")
					}
				case isSingleDot(seg):
					if !slash {
						u.path = append(u.path, "")
					}
				default:
					if u.scheme == "file" && len(u.path) == 0 && isWindowsDriveLetter(buf, false) {
						seg = string(buf[0]) + ":"
					}
					u.path = append(u.path, seg)
				}
				buf = buf[:0]
				if c == '?' {
					u.hasQuery, u.query = true, ""
					state = stQuery
				} else if c == '#' {
					u.hasFragment, u.fragment = true, ""
					state = stFragment
				}
			} else {
				var b strings.Builder
				appendEncoded(&b, c, pathSet)
				buf = append(buf, []rune(b.String())...)
			}

		case stOpaquePath:
			switch {
			case c == '?':
				u.hasQuery, u.query = true, ""
				state = stQuery
			case c == '#':
				u.hasFragment, u.fragment = true, ""
				state = stFragment
			case c != eof:
				var b strings.Builder
				appendEncoded(&b, c, c0ControlSet)
				u.opaque += b.String()
			}

		case stQuery:
			if (override == stNone && c == '#') || c == eof {
				set := querySet
				if u.special() {
					set = specialQuerySet
				}
				u.query += percentEncode(string(buf), set)
				buf = buf[:0]
				if c == '#' {
					u.hasFragment, u.fragment = true, ""
					state = stFragment
				}
			} else {
				buf = append(buf, c)
			}

		case stFragment:
			if c != eof {
				var b strings.Builder
				appendEncoded(&b, c, fragmentSet)
				u.fragment += b.String()
			}
		}
		// The standard: stop once a state has run with the pointer on EOF.
		if p >= len(in) {
			return nil
		}
	}
}
