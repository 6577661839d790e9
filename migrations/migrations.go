// Package migrations holds the SQL that creates and upgrades a kernel store,
// one folder per store driver, embedded in the binary so a kernel never
// depends on files beside it.
//
// A migration is a file NNN_name.up.sql in the driver's folder; NNN is its
// version, counted from 001 without gaps. Drivers apply, on open and in
// order, every migration newer than the version recorded in the store's
// ocap_schema_version table, each in its own transaction together with the
// row that records it. Migrations are never edited once released: a change
// is a new file.
package migrations

import (
	"embed"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Migration is one schema step of one driver.
type Migration struct {
	Version int    // 1, 2, ... in the order they apply
	Name    string // the file name, e.g. "001_kv.up.sql"
	SQL     string // one or more statements
}

// For returns the migrations of driver ("sqlite" or "postgres") in the order
// they apply; nil for an unknown driver. Files whose names do not follow
// NNN_name.up.sql are not migrations and are left out (the package's tests
// make sure none slip in by mistake).
func For(driver string) []Migration {
	entries, err := fs.ReadDir(files, driver)
	if err != nil {
		return nil
	}
	var out []Migration
	for _, e := range entries {
		v, ok := version(e.Name())
		if !ok {
			continue
		}
		b, err := fs.ReadFile(files, path.Join(driver, e.Name()))
		if err != nil {
			continue
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out
}

// Latest is the schema version a store of driver has once every migration
// of this kernel is applied; 0 for an unknown driver.
func Latest(driver string) int {
	all := For(driver)
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Version
}

// version parses the NNN of "NNN_name.up.sql".
func version(name string) (int, bool) {
	rest, ok := strings.CutSuffix(name, ".up.sql")
	if !ok {
		return 0, false
	}
	num, label, ok := strings.Cut(rest, "_")
	if !ok || len(num) != 3 || label == "" {
		return 0, false
	}
	v, err := strconv.Atoi(num)
	if err != nil || v < 1 {
		return 0, false
	}
	return v, true
}
