package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/platform"
)

func init() {
	verbs["run"] = verb{
		usage:   "run [--db URL] [--name NAME] [--prune-system] [--delivery-timeout DURATION] [--log-level LEVEL] [--log-format text|json] cluster.json [--call METHOD [JSON-ARG ...]]",
		summary: "launch (first time) or restore cluster.json as a system subcluster; with --call, send METHOD to its root and print the result",
		details: runStoreHelp + "\n\n" + pruneHelp + "\n\n" + deliveryTimeoutHelp + "\n\n" +
			"JSON-ARGs follow cluster.json; put -- before those that start with a dash.",
		example: "kernel run --db sqlite:///tmp/x.db testdata/clusters/hello.json --call hello world",
		make:    runCommand,
	}
}

// runFlags are the flags of 'kernel run'.
type runFlags struct {
	db, name, call, logLevel, logFormat, timeout string
	prune                                        bool
	// levelSet: --log-level was given. Without it the vats' own lines
	// (console.log is info) show, and the kernel's only from warn.
	levelSet bool
}

func runCommand(_ verb, out streams) *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Args: func(_ *cobra.Command, pos []string) error {
			if len(pos) == 0 {
				return usagef("expected one cluster.json, got none")
			}
			return nil
		},
	}
	fs := c.Flags()
	fs.StringVar(&f.db, "db", "", "the store `URL` (env OCAP_DB; default: a store of the cluster's own, see above)")
	fs.StringVar(&f.name, "name", "", "the system subcluster's `NAME` (default: cluster.json's base name)")
	fs.StringVar(&f.call, "call", "", "send `METHOD` to the bootstrap vat's root, with the JSON-ARGs, and print the result")
	fs.BoolVar(&f.prune, "prune-system", false, "terminate the store's other system subclusters (default: keep them)")
	deliveryTimeoutFlag(fs, &f.timeout)
	logFlags(fs, &f.logLevel, &f.logFormat, "warn")
	c.RunE = func(c *cobra.Command, pos []string) error {
		f.levelSet = c.Flags().Changed("log-level")
		return runCluster(f, c.Flags().Changed("call"), pos, out)
	}
	return c
}

func runCluster(f runFlags, hasCall bool, pos []string, out streams) error {
	stdout, stderr := out.stdout, out.stderr
	if hasCall && f.call == "" {
		return usagef("--call needs a METHOD")
	}
	if !hasCall && len(pos) > 1 {
		return usagef("unexpected argument %q (JSON-ARGs go with --call METHOD)", pos[1])
	}
	path, callArgs := pos[0], pos[1:]
	name := f.name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	dbURL := f.db
	if dbURL == "" {
		var err error
		if dbURL, err = defaultRunDB(name); err != nil {
			return err
		}
	}
	jsonLogs, err := parseLogFormat(f.logFormat)
	if err != nil {
		return err
	}
	timeout, err := deliveryTimeout(f.timeout)
	if err != nil {
		return err
	}
	var logger hclog.InterceptLogger
	if f.levelSet {
		logger = newLogger(stderr, f.logLevel, "warn", jsonLogs)
	} else {
		logger = newVatLogger(stderr, hclog.Info, hclog.Warn, jsonLogs)
	}

	cfg, err := ocap.LoadClusterConfig(path)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := openStore(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	k, err := ocap.Make(ctx, platform.New(platform.Options{Logger: logger.Named("platform")}), db, ocap.Options{
		Logger:                 logger,
		SystemSubclusters:      []ocap.SystemSubclusterConfig{{Name: name, Config: *cfg}},
		PruneSystemSubclusters: f.prune,
		DeliveryTimeout:        timeout,
	})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = k.Stop(sctx)
	}()
	launched, err := k.EnsureSystemSubcluster(ctx, ocap.SystemSubclusterConfig{Name: name, Config: *cfg})
	if err != nil {
		return err
	}
	if !hasCall {
		boot, err := decoded(launched.BootstrapResult)
		if err != nil {
			return err
		}
		return printJSON(stdout, launchOutput{launched.SubclusterID, launched.RootKref, boot})
	}
	root := launched.RootKref
	res, err := k.QueueMessage(ctx, root, f.call, parseArgs(callArgs))
	if err != nil {
		var re *ocap.RemoteError
		if errors.As(err, &re) {
			return fmt.Errorf("%s rejected: %w", f.call, err)
		}
		return err
	}
	v, err := decoded(&res)
	if err != nil {
		return err
	}
	return printJSON(stdout, v)
}
