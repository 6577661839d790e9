// Command kernel runs and manages an ocap kernel: `kernel serve` as a
// daemon with the client verbs (launch, send, status, ...) that call its
// control API, `kernel run` for one-shot use over a store, `kernel bundle`
// and `kernel migrate` for operators.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// verb is one subcommand. run returns an error for runtime failures (exit 1)
// or a usageError (exit 2).
type verb struct {
	usage   string
	summary string
	details string // more for 'kernel VERB --help' (flag defaults); may be empty
	example string
	run     func(args []string, stdout, stderr io.Writer) error
}

var verbs = map[string]verb{}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printHelp(stderr)
		return 2
	}
	// Asked-for help is the command's output: stdout, exit 0.
	if args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		printHelp(stdout)
		return 0
	}
	v, ok := verbs[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "kernel: unknown verb %q (see 'kernel --help')\n", args[0])
		return 2
	}
	for _, a := range args[1:] {
		if a == "--help" || a == "-h" {
			fmt.Fprintf(stdout, "usage: kernel %s\n\n%s\n\n", v.usage, v.summary)
			if v.details != "" {
				fmt.Fprintf(stdout, "%s\n\n", v.details)
			}
			fmt.Fprintf(stdout, "example:\n  %s\n", v.example)
			return 0
		}
	}
	err := v.run(args[1:], stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "kernel %s: %s\nusage: kernel %s\n", args[0], ue.msg, v.usage)
		return 2
	default:
		fmt.Fprintf(stderr, "kernel %s: %s\n", args[0], oneLine(err.Error()))
		return 1
	}
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "usage: kernel VERB [flags] [args]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  kernel %s\n      %s\n", verbs[n].usage, verbs[n].summary)
	}
	fmt.Fprintln(w, "\n'kernel VERB --help' shows an example.")
}

// oneLine keeps errors to one line on the terminal.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}
