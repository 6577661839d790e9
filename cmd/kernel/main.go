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

	"github.com/spf13/cobra"
)

// verb is one subcommand. Its command parses flags and arguments; its
// RunE returns an error for runtime failures (exit 1) or a usageError
// (exit 2).
type verb struct {
	usage   string // after "kernel ": the verb, its flags and arguments
	summary string
	details string // more for 'kernel VERB --help'; may be empty
	example string
	// make builds the verb's command for one run of the kernel command:
	// its flags, argument check and RunE.
	make func(v verb, out streams) *cobra.Command
}

// streams are where a run of the kernel command writes.
type streams struct{ stdout, stderr io.Writer }

var verbs = map[string]verb{}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the kernel command: it returns the exit code, 0, 1 for runtime
// failures, 2 for usage errors.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot(streams{stdout, stderr})
	if len(args) == 0 {
		root.SetOut(stderr)
		_ = root.Help()
		return 2
	}
	if name := args[0]; !strings.HasPrefix(name, "-") {
		if c, _, err := root.Find(args); err != nil || c == root {
			fmt.Fprintf(stderr, "kernel: unknown verb %q (see 'kernel --help')\n", name)
			return 2
		}
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	name := strings.TrimPrefix(cmd.CommandPath(), "kernel ")
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		if cmd == root {
			fmt.Fprintf(stderr, "kernel: %s (see 'kernel --help')\n", ue.msg)
		} else {
			fmt.Fprintf(stderr, "kernel %s: %s\nusage: kernel %s\n", name, ue.msg, cmd.Use)
		}
		return 2
	default:
		fmt.Fprintf(stderr, "kernel %s: %s\n", name, oneLine(err.Error()))
		return 1
	}
}

// newRoot builds the command tree, fresh for each run: flags keep state.
func newRoot(out streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "kernel",
		Short:         "run and manage an ocap kernel",
		Version:       buildVersion().line(),
		SilenceErrors: true,
		SilenceUsage:  true,
		// Bare "kernel" is handled by run; this keeps cobra from
		// treating stray words as arguments of the root.
		Args: cobra.NoArgs,
	}
	root.SetOut(out.stdout)
	root.SetErr(out.stderr)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { printHelp(c) })
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := verbs[n]
		c := v.make(v, out)
		c.Use, c.Short, c.Long, c.Example = strings.TrimSpace(v.usage), v.summary, v.details, v.example
		root.AddCommand(c)
	}
	// Made now rather than when executing, so that help lists them and
	// run finds them.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpFlag()
	root.InitDefaultVersionFlag()
	return root
}

// printHelp writes a verb's help, or the list of verbs, on the command's
// output (stdout when asked for).
func printHelp(c *cobra.Command) {
	w := c.OutOrStdout()
	if !c.HasParent() {
		fmt.Fprintln(w, "usage: kernel VERB [flags] [args]")
		fmt.Fprintln(w)
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" {
				continue
			}
			fmt.Fprintf(w, "  kernel %s\n      %s\n", sub.Use, sub.Short)
		}
		fmt.Fprintf(w, "\nflags:\n%s", c.Flags().FlagUsages())
		fmt.Fprint(w, environmentHelp)
		fmt.Fprintln(w, "\n'kernel VERB --help' shows the verb's flags, their defaults and an example.")
		return
	}
	fmt.Fprintf(w, "usage: kernel %s\n\n%s\n\n", c.Use, c.Short)
	if c.Long != "" {
		fmt.Fprintf(w, "%s\n\n", c.Long)
	}
	if fl := c.LocalFlags().FlagUsages(); fl != "" {
		fmt.Fprintf(w, "flags:\n%s\n", fl)
	}
	if c.Example != "" {
		fmt.Fprintf(w, "example:\n  %s\n", c.Example)
	}
}

// environmentHelp lists the variables the kernel command reads.
const environmentHelp = `
environment:
  OCAP_DB            the store URL, when --db is not given
  OCAP_SOCKET        the control socket, when --socket is not given
  OCAP_WORKER_PATH   the vat-worker binary (default: beside kernel, else on PATH)
  XDG_STATE_HOME     where default stores live (default ~/.local/state)
  XDG_RUNTIME_DIR    where the default socket lives
`

// flagError words pflag's errors as the kernel command's usage errors.
func flagError(_ *cobra.Command, err error) error {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "unknown flag: "):
		msg = "unknown flag " + strings.TrimPrefix(msg, "unknown flag: ")
	case strings.HasPrefix(msg, "unknown shorthand flag: "):
		msg += " (put -- before arguments that start with a dash)"
	case msg == "flag needs an argument: --call":
		msg = "--call needs a METHOD"
	case strings.HasPrefix(msg, "flag needs an argument: "):
		msg = "flag " + strings.TrimPrefix(msg, "flag needs an argument: ") + " needs a value"
	}
	return usageError{msg}
}

// oneLine keeps errors to one line on the terminal.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}
