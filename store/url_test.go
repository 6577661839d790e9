package store

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		url, kind, location string
	}{
		{"sqlite:///var/lib/ocap/kernel.db", "sqlite", "/var/lib/ocap/kernel.db"},
		{"sqlite://state/kernel.db", "sqlite", "state/kernel.db"},
		{"sqlite:state/kernel.db", "sqlite", "state/kernel.db"},
		{"sqlite:/abs/kernel.db", "sqlite", "/abs/kernel.db"},
		{"sqlite:kernel.db", "sqlite", "kernel.db"},
		{"sqlite::memory:", "sqlite", ":memory:"},
		{"sqlite://:memory:", "sqlite", ":memory:"},
		{"SQLite:///x.db", "sqlite", "/x.db"},
		{"postgres://u@h:5432/db?search_path=s", "postgres", "postgres://u@h:5432/db?search_path=s"},
		{"postgresql://u:pw@h/db", "postgres", "postgresql://u:pw@h/db"},
	} {
		kind, location, err := parseURL(c.url)
		if err != nil || kind != c.kind || location != c.location {
			t.Errorf("parseURL(%q) = %q, %q, %v; want %q, %q", c.url, kind, location, err, c.kind, c.location)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	for _, url := range []string{
		"",
		"/var/lib/ocap/kernel.db",
		"kernel.db",
		"sqlite:",
		"sqlite://",
		"sqlite:///",
		"sqlite:///x.db?mode=ro",
		"mysql://u@h/db",
		"file:///x.db",
	} {
		_, _, err := parseURL(url)
		if err == nil {
			t.Errorf("parseURL(%q) succeeded", url)
			continue
		}
		// Every refusal tells what would have been accepted.
		for _, form := range []string{"sqlite:///", "sqlite::memory:", "postgres://"} {
			if !strings.Contains(err.Error(), form) {
				t.Errorf("parseURL(%q): %q does not mention %s", url, err, form)
			}
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://postgres:s3cret@127.0.0.1:5432/db": "postgres://postgres:xxxxx@127.0.0.1:5432/db",
		"postgres://postgres@127.0.0.1:5432/db":        "postgres://postgres@127.0.0.1:5432/db",
		"postgres://u:s3cret@host:notaport/db":         "postgres://u:xxxxx@host:notaport/db",
		"postgres://u:s3%cret@host/db":                 "postgres://u:xxxxx@host/db",
		"mysql://root:s3cret@h/db":                     "mysql://root:xxxxx@h/db",
		"sqlite:///var/lib/ocap/kernel.db":             "sqlite:///var/lib/ocap/kernel.db",
		"postgres://u:s3cret@h/db?search_path=a,b":     "postgres://u:xxxxx@h/db?search_path=a,b",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// An error about a malformed store URL never prints its password.
func TestURLErrorsRedactPassword(t *testing.T) {
	for _, u := range []string{"mysql://root:s3cret@h/db", "root:s3cret@h/db"} {
		_, _, err := parseURL(u)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("parseURL(%q): %v", u, err)
		}
	}
}
