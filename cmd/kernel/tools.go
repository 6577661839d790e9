package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/bundle"
	"github.com/ocapgo/ocap/store"
)

func init() {
	verbs["bundle"] = verb{
		usage:   "bundle [-o out.bundle.js] in.ts",
		summary: "bundle vat source (.js .mjs .ts .mts) into one script usable as bundleSpec; without -o, the bundle goes to stdout",
		example: "kernel bundle testdata/vats/alice.js -o /tmp/alice.bundle.js",
		make:    bundleCommand,
	}
	verbs["check"] = verb{
		usage:   "check [--db URL]",
		summary: "check a stopped kernel's store: recompute every reference count from its tables and list those that differ (exit 1 if any does)",
		example: "kernel check --db sqlite:///var/lib/ocap/kernel.db",
		make:    checkCommand,
	}
	verbs["migrate"] = verb{
		usage:   "migrate [--db URL]",
		summary: "upgrade a kernel store's schema in place",
		example: "kernel migrate --db postgres://postgres@127.0.0.1:5432/ocap",
		make:    migrateCommand,
	}
}

func bundleCommand(_ verb, out streams) *cobra.Command {
	var o string
	c := &cobra.Command{Args: args(1, 1)}
	c.Flags().StringVarP(&o, "o", "o", "", "write the bundle to `FILE` and print {bundle, hash, bytes} (default: the bundle to stdout)")
	c.RunE = func(_ *cobra.Command, pos []string) error {
		b, err := bundle.Build(context.Background(), pos[0])
		if err != nil {
			return err
		}
		if o == "" {
			data, err := bundle.Encode(b)
			if err != nil {
				return err
			}
			_, err = out.stdout.Write(data)
			return err
		}
		if err := bundle.WriteFile(b, o); err != nil {
			return err
		}
		return printJSON(out.stdout, map[string]any{"bundle": o, "hash": b.Hash, "bytes": len(b.Script)})
	}
	return c
}

func migrateCommand(_ verb, out streams) *cobra.Command {
	var url string
	c := &cobra.Command{Args: args(0, 0)}
	dbFlag(c.Flags(), &url)
	c.RunE = func(*cobra.Command, []string) error {
		from, to, err := store.Migrate(context.Background(), url)
		if err != nil {
			return hidePassword(fmt.Errorf("migrating %s: %w", store.RedactURL(url), err), url)
		}
		return printJSON(out.stdout, map[string]any{"from": from, "to": to})
	}
	return c
}

func checkCommand(_ verb, out streams) *cobra.Command {
	var url string
	c := &cobra.Command{Args: args(0, 0)}
	dbFlag(c.Flags(), &url)
	c.RunE = func(*cobra.Command, []string) error {
		ctx := context.Background()
		db, err := store.Open(ctx, url)
		if err != nil {
			return hidePassword(fmt.Errorf("opening %s: %w", store.RedactURL(url), err), url)
		}
		defer db.Close()
		bad, err := ocap.CheckStoreRefcounts(ctx, db)
		if err != nil {
			return fmt.Errorf("checking %s: %w", store.RedactURL(url), err)
		}
		mismatches := make([]string, len(bad))
		for i, m := range bad {
			mismatches[i] = m.String()
		}
		if err := printJSON(out.stdout, map[string]any{"ok": len(bad) == 0, "mismatches": mismatches}); err != nil {
			return err
		}
		if len(bad) > 0 {
			return fmt.Errorf("%d reference counts differ from the tables", len(bad))
		}
		return nil
	}
	return c
}
