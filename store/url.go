package store

import (
	"fmt"
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
		return "", "", fmt.Errorf("store URL %q has no scheme: %s", url, acceptedForms)
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		path := strings.TrimPrefix(rest, "//")
		switch {
		case path == "" || path == "/":
			return "", "", fmt.Errorf("store URL %q names no file: %s", url, acceptedForms)
		case path == sqlite.Memory:
			return "sqlite", sqlite.Memory, nil
		case strings.ContainsRune(path, '?'):
			return "", "", fmt.Errorf("store URL %q: SQLite URLs take no parameters: %s", url, acceptedForms)
		}
		return "sqlite", path, nil
	case "postgres", "postgresql":
		return "postgres", url, nil
	default:
		return "", "", fmt.Errorf("store URL %q: unknown scheme %q: %s", url, scheme, acceptedForms)
	}
}
