package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ocapgo/ocap/control"
	"github.com/ocapgo/ocap/internal/bytesize"
	"github.com/ocapgo/ocap/platform"
)

// Flags and arguments the verbs share.

// args checks the number of positional arguments: at least min, at most
// max (-1: any).
func args(min, max int) cobra.PositionalArgs {
	return func(_ *cobra.Command, pos []string) error {
		switch {
		case len(pos) < min:
			return usagef("missing argument")
		case max >= 0 && len(pos) > max:
			return usagef("unexpected argument %q", pos[max])
		}
		return nil
	}
}

// dbFlag adds --db, whose default is $OCAP_DB, else the default store.
func dbFlag(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "db", defaultDB(), "the store `URL`: sqlite:///path, sqlite::memory: or postgres://user@host/db?search_path=schema (env OCAP_DB)")
}

// defaultDB is $OCAP_DB, else a SQLite file under $XDG_STATE_HOME.
func defaultDB() string {
	if v := os.Getenv("OCAP_DB"); v != "" {
		return v
	}
	return "sqlite://" + filepath.Join(stateDir(), "kernel.db")
}

// defaultRunDB is the store of 'kernel run' for the cluster NAME: $OCAP_DB,
// else a SQLite file of that cluster's own, so that running one cluster
// never restores, nor removes, another's vats.
func defaultRunDB(name string) (string, error) {
	if v := os.Getenv("OCAP_DB"); v != "" {
		return v, nil
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return "", usagef("--name %q cannot name a store file of its own; pass --db", name)
	}
	return "sqlite://" + filepath.Join(stateDir(), "run", name+".db"), nil
}

// stateDir is $XDG_STATE_HOME/ocap (default ~/.local/state/ocap).
func stateDir() string {
	state := os.Getenv("XDG_STATE_HOME")
	if state == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		state = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(state, "ocap")
}

// socketFlag adds --socket, whose default is $OCAP_SOCKET, else the
// default socket path.
func socketFlag(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "socket", defaultSocket(), "the daemon's control socket, a unix socket `PATH` (env OCAP_SOCKET)")
}

func defaultSocket() string {
	if v := os.Getenv("OCAP_SOCKET"); v != "" {
		return v
	}
	return control.DefaultSocketPath()
}

// logFlags adds --log-level (default def) and --log-format.
func logFlags(fs *pflag.FlagSet, level, format *string, def string) {
	fs.StringVar(level, "log-level", def, "the log `LEVEL`: trace, debug, info, warn or error")
	fs.StringVar(format, "log-format", "text", "the log `FORMAT`: text or json")
}

// runStoreHelp and pruneHelp document, in --help, where 'kernel run' keeps
// its state and what happens to system subclusters no longer named.
const (
	runStoreHelp = `--db URL (default $OCAP_DB, else sqlite://$XDG_STATE_HOME/ocap/run/NAME.db):
without --db and $OCAP_DB, each cluster NAME has a store of its own, so that
running one cluster never restores, nor removes, another's vats.`
	pruneHelp = `--prune-system terminates, with all their state, the system subclusters the
store holds but this start does not name. Without it they are kept, running,
and a warning names each with the command that removes it.`
)

// defaultDeliveryTimeout is --delivery-timeout's default, as
// ocap.Options.DeliveryTimeout's.
const defaultDeliveryTimeout = 30 * time.Second

// deliveryTimeoutHelp documents --delivery-timeout in 'serve --help' and
// 'run --help'.
var deliveryTimeoutHelp = fmt.Sprintf(`--delivery-timeout DURATION (default %s) is the delivery time limit: the
longest a vat's code may run for one delivery (buildRootObject, a message) or
one run of its timer and fetch callbacks. A vat still running at the limit is
terminated, with no retry; since the kernel runs one delivery at a time, the
limit is also the longest stall one vat can cause.`, defaultDeliveryTimeout)

// deliveryTimeoutFlag adds --delivery-timeout; deliveryTimeout reads it.
func deliveryTimeoutFlag(fs *pflag.FlagSet, p *string) {
	fs.StringVar(p, "delivery-timeout", defaultDeliveryTimeout.String(), "the delivery time limit, a positive `DURATION`")
}

// deliveryTimeout reads --delivery-timeout: a positive duration.
func deliveryTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usagef("--delivery-timeout takes a positive duration like 30s or 2m, got %q", s)
	}
	return d, nil
}

// workerMemoryHelp documents --worker-memory in 'serve --help'.
var workerMemoryHelp = fmt.Sprintf(`--worker-memory SIZE (default %s) caps each vat's worker process
("512MiB", "1GiB", or "none"); a vat's creationOptions.memoryLimit overrides
it. A vat that needs more is terminated with the reason "vat exceeded its
memory limit (SIZE)".`, bytesize.Format(platform.DefaultMemoryLimit))

// workerMemory reads --worker-memory as ocap.Options.WorkerMemoryLimit:
// "none" is no cap.
func workerMemory(s string) (int64, error) {
	if s == "none" {
		return -1, nil
	}
	n, err := bytesize.Parse(s)
	if err != nil || n == 0 {
		return 0, usagef("--worker-memory takes a size such as 512MiB, or none; got %q", s)
	}
	return n, nil
}
