package endowments

import (
	"strconv"
	"strings"
)

// urlparts.go: serializing a parsed URL, the URL API's components, and
// its setters (which rerun part of the parser on a copy).

func (u *wurl) pathString() string {
	if u.hasOpaque {
		return u.opaque
	}
	var b strings.Builder
	for _, s := range u.path {
		b.WriteByte('/')
		b.WriteString(s)
	}
	return b.String()
}

func (u *wurl) hostPort() string {
	if !u.hasHost {
		return ""
	}
	if u.port < 0 {
		return u.host
	}
	return u.host + ":" + strconv.Itoa(u.port)
}

func (u *wurl) href() string {
	var b strings.Builder
	b.WriteString(u.scheme)
	b.WriteByte(':')
	if u.hasHost {
		b.WriteString("//")
		if u.hasCredentials() {
			b.WriteString(u.username)
			if u.password != "" {
				b.WriteByte(':')
				b.WriteString(u.password)
			}
			b.WriteByte('@')
		}
		b.WriteString(u.hostPort())
	} else if !u.hasOpaque && len(u.path) > 1 && u.path[0] == "" {
		b.WriteString("/.")
	}
	b.WriteString(u.pathString())
	if u.hasQuery {
		b.WriteByte('?')
		b.WriteString(u.query)
	}
	if u.hasFragment {
		b.WriteByte('#')
		b.WriteString(u.fragment)
	}
	return b.String()
}

func (u *wurl) origin() string {
	switch u.scheme {
	case "http", "https", "ws", "wss", "ftp":
		return u.scheme + "://" + u.hostPort()
	case "blob":
		inner, err := parseURL(u.pathString(), nil)
		if err == nil && (inner.scheme == "http" || inner.scheme == "https") {
			return inner.origin()
		}
	}
	return "null"
}

func (u *wurl) search() string {
	if !u.hasQuery || u.query == "" {
		return ""
	}
	return "?" + u.query
}

func (u *wurl) hash() string {
	if !u.hasFragment || u.fragment == "" {
		return ""
	}
	return "#" + u.fragment
}

func (u *wurl) portString() string {
	if u.port < 0 {
		return ""
	}
	return strconv.Itoa(u.port)
}

// setComponent is the setter of the URL API named by name. A value the
// setter cannot use leaves u unchanged, as in browsers.
func (u *wurl) setComponent(name, value string) {
	c := u.clone()
	var err error
	switch name {
	case "protocol":
		err = basicParse(value+":", nil, c, stSchemeStart)
	case "username", "password":
		if c.cannotHaveCredentials() {
			return
		}
		enc := percentEncode(value, userinfoSet)
		if name == "username" {
			c.username = enc
		} else {
			c.password = enc
		}
	case "host", "hostname":
		if c.hasOpaque {
			return
		}
		st := stHost
		if name == "hostname" {
			st = stHostname
		}
		err = basicParse(value, nil, c, st)
	case "port":
		if c.cannotHaveCredentials() {
			return
		}
		if value == "" {
			c.port = -1
		} else {
			err = basicParse(value, nil, c, stPort)
		}
	case "pathname":
		if c.hasOpaque {
			return
		}
		c.path = nil
		err = basicParse(value, nil, c, stPathStart)
	case "search":
		if value == "" {
			c.hasQuery, c.query = false, ""
			break
		}
		c.hasQuery, c.query = true, ""
		err = basicParse(strings.TrimPrefix(value, "?"), nil, c, stQuery)
	case "hash":
		if value == "" {
			c.hasFragment, c.fragment = false, ""
			break
		}
		c.hasFragment, c.fragment = true, ""
		err = basicParse(strings.TrimPrefix(value, "#"), nil, c, stFragment)
	default:
		return
	}
	if err == nil {
		*u = *c
	}
}
