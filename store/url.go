package store

import (
	"fmt"
	neturl "net/url"
	"strings"

	"github.com/ocapgo/ocap/store/sqlite"
)

// acceptedForms ends every error about a store URL.
const acceptedForms = "use sqlite:///path/to/kernel.db, sqlite:relative/path.db, sqlite::memory: " +
	"or postgres://user@host:5432/db?search_path=schema"

// parseURL returns which driver url is for and what to give that driver:
// the file path for SQLite, the whole URL for PostgreSQL.
func parseURL(url string) (kind, location string, err error) {
	if url == "" {
		return "", "", fmt.Errorf("no store URL given: %s", acceptedForms)
	}
	scheme, rest, ok := strings.Cut(url, ":")
	if !ok {
		return "", "", fmt.Errorf("store URL %q has no scheme: %s", RedactURL(url), acceptedForms)
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		path := strings.TrimPrefix(rest, "//")
		switch {
		case path == "" || path == "/":
			return "", "", fmt.Errorf("store URL %q names no file: %s", RedactURL(url), acceptedForms)
		case path == sqlite.Memory:
			return "sqlite", sqlite.Memory, nil
		case strings.ContainsRune(path, '?'):
			return "", "", fmt.Errorf("store URL %q: SQLite URLs take no parameters: %s", RedactURL(url), acceptedForms)
		}
		return "sqlite", path, nil
	case "postgres", "postgresql":
		return "postgres", url, nil
	default:
		return "", "", fmt.Errorf("store URL %q: unknown scheme %q: %s", RedactURL(url), scheme, acceptedForms)
	}
}

// RedactURL returns url with its password, if any, replaced by "xxxxx":
// the form to print a store URL in, in errors and logs.
func RedactURL(url string) string { return HidePassword(url, url) }

// HidePassword returns text with the password of the store URL url, as
// written in url or decoded, replaced by "xxxxx" wherever it appears.
func HidePassword(text, url string) string {
	for _, pw := range passwords(url) {
		text = strings.ReplaceAll(text, pw, "xxxxx")
	}
	return text
}

// passwords returns url's password as written, then decoded. The written
// form is what lies between the user's colon and the last "@", which also
// finds it in a URL too malformed to parse.
func passwords(url string) []string {
	var out []string
	at := strings.LastIndex(url, "@")
	if at < 0 {
		return nil
	}
	start := 0
	if i := strings.Index(url[:at], "://"); i >= 0 {
		start = i + len("://")
	}
	if colon := strings.Index(url[start:at], ":"); colon >= 0 && start+colon+1 < at {
		out = append(out, url[start+colon+1:at])
	}
	if u, err := neturl.Parse(url); err == nil {
		if pw, ok := u.User.Password(); ok && pw != "" && (len(out) == 0 || pw != out[0]) {
			out = append(out, pw)
		}
	}
	return out
}
