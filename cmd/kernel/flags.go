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
	stop   string
}

func newFlags(names ...string) *flagSet {
	f := &flagSet{values: map[string]*string{}, lists: map[string]*[]string{}}
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
	state := os.Getenv("XDG_STATE_HOME")
	if state == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		state = filepath.Join(home, ".local", "state")
	}
	return "sqlite://" + filepath.Join(state, "ocap", "kernel.db")
}

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
