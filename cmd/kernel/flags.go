package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// flagSet parses "--name value" and "--name=value" flags mixed with
// positional arguments, in any order. The flag named stop (if any) ends
// flag parsing: it and everything after it are returned in rest. A bare
// "--" also ends flag parsing: what follows is positional, so an argument
// may start with a dash.
type flagSet struct {
	values map[string]*string
	lists  map[string]*[]string
	bools  map[string]*bool
	stop   string
}

func newFlags(names ...string) *flagSet {
	f := &flagSet{values: map[string]*string{}, lists: map[string]*[]string{}, bools: map[string]*bool{}}
	for _, n := range names {
		f.values[n] = new(string)
	}
	return f
}

func (f *flagSet) get(name string) string { return *f.values[name] }

// list declares a flag that may be repeated; every value is kept, in order.
func (f *flagSet) list(name string) *[]string {
	p := new([]string)
	f.lists[name] = p
	return p
}

// boolean declares a flag that takes no value.
func (f *flagSet) boolean(name string) *bool {
	p := new(bool)
	f.bools[name] = p
	return p
}

func (f *flagSet) parse(args []string) (positional, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(positional, args[i+1:]...), nil, nil
		}
		if !isFlag(a) {
			positional = append(positional, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == f.stop && f.stop != "" {
			if hasValue {
				return positional, append([]string{value}, args[i+1:]...), nil
			}
			return positional, args[i+1:], nil
		}
		if b, ok := f.bools[name]; ok && !hasValue {
			*b = true
			continue
		}
		p, ok := f.values[name]
		l, isList := f.lists[name]
		if !ok && !isList {
			return nil, nil, usagef("unknown flag --%s", name)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, usagef("flag --%s needs a value", name)
			}
			i++
			value = args[i]
		}
		if isList {
			*l = append(*l, value)
		} else {
			*p = value
		}
	}
	return positional, nil, nil
}

// isFlag: "-x" or "--x" with a letter after the dashes ("-5" is an argument).
func isFlag(a string) bool {
	name := strings.TrimLeft(a, "-")
	dashes := len(a) - len(name)
	return (dashes == 1 || dashes == 2) && name != "" && (name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z')
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

// deliveryTimeout reads --delivery-timeout: a positive duration, or the
// default when the flag is not given.
func deliveryTimeout(f *flagSet) (time.Duration, error) {
	s := f.get("delivery-timeout")
	if s == "" {
		return defaultDeliveryTimeout, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, usagef("--delivery-timeout takes a positive duration like 30s or 2m, got %q", s)
	}
	return d, nil
}
