package main

import (
	"context"
	"fmt"
	"io"

	"github.com/ocapgo/ocap/bundle"
	"github.com/ocapgo/ocap/store"
)

func init() {
	verbs["bundle"] = verb{
		usage:   "bundle in.ts -o out.bundle.js",
		summary: "bundle vat source (.js .mjs .ts .mts) into one script usable as bundleSpec",
		example: "kernel bundle testdata/vats/alice.js -o /tmp/alice.bundle.js",
		run:     bundleVerb,
	}
	verbs["migrate"] = verb{
		usage:   "migrate [--db URL]",
		summary: "upgrade a kernel store's schema in place",
		example: "kernel migrate --db postgres://postgres@127.0.0.1:5432/ocap",
		run:     migrateVerb,
	}
}

func bundleVerb(args []string, stdout, stderr io.Writer) error {
	f := newFlags("o")
	pos, _, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || f.get("o") == "" {
		return usagef("expected one source file and -o OUT")
	}
	b, err := bundle.Build(context.Background(), pos[0])
	if err != nil {
		return err
	}
	if err := bundle.WriteFile(b, f.get("o")); err != nil {
		return err
	}
	return printJSON(stdout, map[string]any{"bundle": f.get("o"), "hash": b.Hash, "bytes": len(b.Script)})
}

func migrateVerb(args []string, stdout, stderr io.Writer) error {
	f := newFlags("db")
	pos, _, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	url := f.get("db")
	if url == "" {
		url = defaultDB()
	}
	from, to, err := store.Migrate(context.Background(), url)
	if err != nil {
		return hidePassword(fmt.Errorf("migrating %s: %w", store.RedactURL(url), err), url)
	}
	return printJSON(stdout, map[string]any{"from": from, "to": to})
}
