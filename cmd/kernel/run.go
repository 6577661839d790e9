package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/platform"
)

func init() {
	verbs["run"] = verb{
		usage:   "run [--db URL] [--name NAME] [--prune-system] [--delivery-timeout DURATION] [--log-level LEVEL] [--log-format text|json] cluster.json [--call METHOD [JSON-ARG ...]]",
		summary: "launch (first time) or restore cluster.json as a system subcluster; with --call, send METHOD to its root and print the result",
		details: runStoreHelp + "\n\n" + pruneHelp + "\n\n" + deliveryTimeoutHelp,
		example: "kernel run --db sqlite:///tmp/x.db testdata/clusters/hello.json --call hello world",
		run:     runVerb,
	}
}

func runVerb(args []string, stdout, stderr io.Writer) error {
	f := newFlags("db", "name", "log-level", "log-format", "delivery-timeout")
	prune := f.boolean("prune-system")
	f.stop = "call"
	pos, call, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("expected one cluster.json, got %d arguments", len(pos))
	}
	hasCall := hasFlag(args, "call")
	if hasCall && len(call) == 0 {
		return usagef("--call needs a METHOD")
	}
	path := pos[0]
	name := f.get("name")
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	dbURL := f.get("db")
	if dbURL == "" {
		if dbURL, err = defaultRunDB(name); err != nil {
			return err
		}
	}
	jsonLogs, err := parseLogFormat(f.get("log-format"))
	if err != nil {
		return err
	}
	timeout, err := deliveryTimeout(f)
	if err != nil {
		return err
	}
	logger := newLogger(stderr, f.get("log-level"), "warn", jsonLogs)

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
		PruneSystemSubclusters: *prune,
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
	out, err := k.QueueMessage(ctx, root, call[0], parseArgs(call[1:]))
	if err != nil {
		var re *ocap.RemoteError
		if errors.As(err, &re) {
			return fmt.Errorf("%s rejected: %w", call[0], err)
		}
		return err
	}
	v, err := decoded(&out)
	if err != nil {
		return err
	}
	return printJSON(stdout, v)
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if isFlag(a) && (strings.TrimLeft(a, "-") == name || strings.HasPrefix(strings.TrimLeft(a, "-"), name+"=")) {
			return true
		}
	}
	return false
}
