package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ocapgo/ocap/control"
)

// The client verbs: thin callers of the control API of a running
// `kernel serve`, one endpoint each.

// callTimeout bounds every call but send, whose bound is --timeout; it is
// generous because a launch builds bundles and starts workers.
const callTimeout = 2 * time.Minute

// sendTimeout is the default of `kernel send --timeout`.
const sendTimeout = 5 * time.Minute

// stopWait bounds how long `kernel stop` waits for the daemon to exit.
const stopWait = stopTimeout + httpTimeout + 10*time.Second

func init() {
	clientVerb := func(name, usage, summary, example string, run func([]string, io.Writer, io.Writer) error) {
		verbs[name] = verb{usage: name + " [--socket PATH] " + usage, summary: summary, example: example, run: run}
	}
	clientVerb("launch", "cluster.json", "launch a subcluster in the daemon; prints {subclusterId, rootKref, bootstrapResult}",
		"kernel launch testdata/clusters/hello.json", launchVerb)
	clientVerb("send", "[--timeout DURATION] KREF METHOD [JSON-ARG ...]", "send METHOD(args) to KREF, wait for the result and print it (-- before arguments that start with a dash)",
		`kernel send ko3 hello world   # or: kernel send ko3 greet '{"@kref":"ko5"}' 42`, sendVerb)
	clientVerb("status", "[--output json|table]", "print the daemon's vats and subclusters; succeeds once the daemon is ready",
		"kernel status --output table", statusVerb)
	clientVerb("subclusters", "[--output json|table]", "print the live subclusters",
		"kernel subclusters", subclustersVerb)
	clientVerb("system-root", "NAME", "print the root kref of the system subcluster NAME (from serve --system)",
		"kernel system-root hello", systemRootVerb)
	clientVerb("terminate", "SUBCLUSTER_ID", "terminate a subcluster: its workers are killed and its vats removed",
		"kernel terminate s2", terminateVerb)
	clientVerb("ping-vat", "VAT_ID", `ping a vat's worker; prints "pong"`,
		"kernel ping-vat v1", pingVatVerb)
	clientVerb("revoke", "KREF", "revoke an object: every later send to it fails with OBJECT_REVOKED; prints {kref, revoked}",
		"kernel revoke ko3", revokeVerb)
	clientVerb("revoked", "KREF", "print true if the object KREF was revoked, else false",
		"kernel revoked ko3", revokedVerb)
	clientVerb("restart-vat", "VAT_ID", "restart a vat in a fresh worker from its baggage; its root keeps its kref, its other non-durable objects are gone",
		"kernel restart-vat v1", restartVatVerb)
	clientVerb("terminate-vat", "VAT_ID", "terminate one vat of a subcluster: its worker is killed, sends to its objects fail with VAT_TERMINATED, the other vats carry on",
		"kernel terminate-vat v2", terminateVatVerb)
	clientVerb("reset", "--yes", "for debugging: stop every vat and wipe all kernel state (every subcluster, object and promise), with no undo; --yes confirms",
		"kernel reset --yes --socket /tmp/ocap-debug.sock", resetVerb)
	clientVerb("stop", "", "stop the daemon: finish the current crank, stop every worker, exit; returns once it has exited",
		"kernel stop --socket /tmp/ocap.sock", stopVerb)
}

// clientArgs parses a client verb's flags (--socket and extra) and checks
// the number of positional arguments, at least min and at most max (-1: any).
func clientArgs(args []string, min, max int, extra ...string) (*flagSet, []string, error) {
	f := newFlags(append([]string{"socket"}, extra...)...)
	pos, _, err := f.parse(args)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case len(pos) < min:
		return nil, nil, usagef("missing argument")
	case max >= 0 && len(pos) > max:
		return nil, nil, usagef("unexpected argument %q", pos[max])
	}
	return f, pos, nil
}

func socketPath(f *flagSet) string {
	if s := f.get("socket"); s != "" {
		return s
	}
	return control.DefaultSocketPath()
}

func clientFor(f *flagSet) (*control.Client, context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	return control.NewClient(socketPath(f)), ctx, cancel
}

func launchVerb(args []string, stdout, _ io.Writer) error {
	f, pos, err := clientArgs(args, 1, 1)
	if err != nil {
		return err
	}
	// The daemon reads the file, from its own working directory.
	path, err := filepath.Abs(pos[0])
	if err != nil {
		return fmt.Errorf("cluster config path: %w", err)
	}
	c, ctx, cancel := clientFor(f)
	defer cancel()
	res, err := c.Launch(ctx, path)
	if err != nil {
		return err
	}
	return printJSON(stdout, res)
}

func sendVerb(args []string, stdout, _ io.Writer) error {
	f, pos, err := clientArgs(args, 2, -1, "timeout")
	if err != nil {
		return err
	}
	timeout := sendTimeout
	if s := f.get("timeout"); s != "" {
		if timeout, err = time.ParseDuration(s); err != nil || timeout < 0 {
			return usagef("--timeout takes a duration like 30s or 5m (0: no limit), got %q", s)
		}
	}
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if timeout > 0 {
		// A little longer than the daemon's bound, so its TIMEOUT answer,
		// which says what timed out, arrives first.
		ctx, cancel = context.WithTimeout(ctx, timeout+10*time.Second)
	}
	defer cancel()
	out, err := control.NewClient(socketPath(f)).Send(ctx, pos[0], pos[1], jsonArgs(pos[2:]), timeout)
	if err != nil {
		return err
	}
	return printJSON(stdout, out)
}

// jsonArgs reads JSON-ARGs as the daemon expects them: valid JSON as is,
// anything else as a JSON string.
func jsonArgs(args []string) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(args))
	for _, a := range args {
		if json.Valid([]byte(a)) {
			out = append(out, json.RawMessage(a))
			continue
		}
		s, _ := json.Marshal(a) // a string always encodes
		out = append(out, s)
	}
	return out
}

func outputFormat(f *flagSet) (table bool, err error) {
	switch o := f.get("output"); o {
	case "", "json":
		return false, nil
	case "table":
		return true, nil
	default:
		return false, usagef("--output takes json or table, got %q", o)
	}
}

// listVerb makes status and subclusters: JSON, or a table with --output table.
func listVerb[T any](get func(*control.Client, context.Context) (T, error), table func(io.Writer, T) error) func([]string, io.Writer, io.Writer) error {
	return func(args []string, stdout, _ io.Writer) error {
		f, _, err := clientArgs(args, 0, 0, "output")
		if err != nil {
			return err
		}
		asTable, err := outputFormat(f)
		if err != nil {
			return err
		}
		c, ctx, cancel := clientFor(f)
		defer cancel()
		v, err := get(c, ctx)
		if err != nil {
			return err
		}
		if asTable {
			return table(stdout, v)
		}
		return printJSON(stdout, v)
	}
}

// callVerb makes a verb of n positional arguments (0 or 1) that calls the
// daemon and prints what call answers.
func callVerb(n int, call func(ctx context.Context, c *control.Client, arg string) (any, error)) func([]string, io.Writer, io.Writer) error {
	return func(args []string, stdout, _ io.Writer) error {
		f, pos, err := clientArgs(args, n, n)
		if err != nil {
			return err
		}
		arg := ""
		if n > 0 {
			arg = pos[0]
		}
		c, ctx, cancel := clientFor(f)
		defer cancel()
		out, err := call(ctx, c, arg)
		if err != nil {
			return err
		}
		return printJSON(stdout, out)
	}
}

var (
	statusVerb      = listVerb((*control.Client).Status, printStatusTable)
	subclustersVerb = listVerb((*control.Client).Subclusters, printSubclustersTable)

	systemRootVerb = callVerb(1, func(ctx context.Context, c *control.Client, name string) (any, error) {
		return c.SystemRoot(ctx, name)
	})
	terminateVerb = callVerb(1, func(ctx context.Context, c *control.Client, id string) (any, error) {
		return control.TerminateResponse{SubclusterID: id, Terminated: true}, c.Terminate(ctx, id)
	})
	pingVatVerb = callVerb(1, func(ctx context.Context, c *control.Client, id string) (any, error) {
		return c.PingVat(ctx, id)
	})
	revokeVerb = callVerb(1, func(ctx context.Context, c *control.Client, kref string) (any, error) {
		return control.RevokeResponse{Kref: kref, Revoked: true}, c.Revoke(ctx, kref)
	})
	revokedVerb = callVerb(1, func(ctx context.Context, c *control.Client, kref string) (any, error) {
		return c.IsRevoked(ctx, kref)
	})
	restartVatVerb = callVerb(1, func(ctx context.Context, c *control.Client, id string) (any, error) {
		return control.RestartVatResponse{VatID: id, Restarted: true}, c.RestartVat(ctx, id)
	})
	terminateVatVerb = callVerb(1, func(ctx context.Context, c *control.Client, id string) (any, error) {
		return control.TerminateVatResponse{VatID: id, Terminated: true}, c.TerminateVat(ctx, id)
	})
)

// resetVerb wipes the daemon's state, only when --yes says the caller
// means it: there is no undo.
func resetVerb(args []string, stdout, _ io.Writer) error {
	f := newFlags("socket")
	yes := f.boolean("yes")
	pos, _, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if !*yes {
		return usagef("reset wipes every subcluster, object and promise of the kernel, with no undo: pass --yes to confirm")
	}
	c, ctx, cancel := clientFor(f)
	defer cancel()
	if err := c.Reset(ctx); err != nil {
		return err
	}
	return printJSON(stdout, control.ResetResponse{Reset: true})
}

// stopVerb asks the daemon to stop, then waits until it has exited, so
// that a script may start another daemon on the same store right after.
func stopVerb(args []string, stdout, _ io.Writer) error {
	f, _, err := clientArgs(args, 0, 0)
	if err != nil {
		return err
	}
	c, ctx, cancel := clientFor(f)
	defer cancel()
	ack, err := c.Stop(ctx)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(stopWait)
	for !daemonGone(c.Socket) {
		if time.Now().After(deadline) {
			return fmt.Errorf("the kernel daemon (pid %d) acknowledged the stop but is still running after %v", ack.PID, stopWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return printJSON(stdout, struct {
		Stopped bool `json:"stopped"`
		PID     int  `json:"pid"`
	}{true, ack.PID})
}

// daemonGone reports whether the daemon on socket has let go of its lock
// file (see socketClaim): it does so by exiting, however it exits. A pid
// would not do: the daemon may live in another pid namespace.
func daemonGone(socket string) bool {
	f, err := os.Open(socket + ".lock")
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB) != nil {
		return false
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return true
}
