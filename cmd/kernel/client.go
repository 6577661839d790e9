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
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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
	clientVerb("launch", "cluster.json", "launch a subcluster in the daemon; prints {subclusterId, rootKref, bootstrapResult}",
		"kernel launch testdata/clusters/hello.json", 1, 1, noFlags(launchVerb))
	clientVerb("send", "[--timeout DURATION] KREF|@NAME METHOD [JSON-ARG ...]", "send METHOD(args) to KREF, or to the root of the system subcluster NAME, wait for the result and print it (-- before arguments that start with a dash)",
		`kernel send ko3 hello world   # or: kernel send ko3 greet '{"@kref":"ko5"}' 42`, 2, -1, sendVerb)
	clientVerb("status", "[--output json|table] [--wait[=TIMEOUT]]", "print the daemon's vats and subclusters; succeeds once the daemon is ready (--wait: wait for that)",
		"kernel status --wait=30s --output table", 0, 0, statusVerb)
	clientVerb("subclusters", "[--output json|table]", "print the live subclusters",
		"kernel subclusters", 0, 0, subclustersVerb)
	clientVerb("system-root", "[--raw] NAME", "print the root kref of the system subcluster NAME (from serve --system)",
		"kernel system-root --raw hello", 1, 1, systemRootVerb)
	clientVerb("terminate", "SUBCLUSTER_ID", "terminate a subcluster: its workers are killed and its vats removed",
		"kernel terminate s2", 1, 1, noFlags(terminateVerb))
	clientVerb("ping-vat", "VAT_ID", `ping a vat's worker; prints "pong"`,
		"kernel ping-vat v1", 1, 1, noFlags(pingVatVerb))
	clientVerb("revoke", "KREF", "revoke an object: every later send to it fails with OBJECT_REVOKED; prints {kref, revoked}",
		"kernel revoke ko3", 1, 1, noFlags(revokeVerb))
	clientVerb("release", "KREF", "drop the references the host was handed to KREF (by launches and sends), so it can be collected; prints {kref, released}",
		"kernel release ko7", 1, 1, noFlags(releaseVerb))
	clientVerb("issue-url", "KREF", "issue an ocap URL for the object KREF: any kernel that redeems it reaches the object (needs serve --remote-listen); prints the URL as a JSON string",
		"kernel issue-url ko3", 1, 1, noFlags(issueURLVerb))
	clientVerb("redeem-url", "URL", "redeem an ocap URL: prints the kref of the object it names, as a JSON string (on another kernel: this kernel's reference to it)",
		`kernel redeem-url "ocap:TOKEN@PEER_ID,/ip4/127.0.0.1/tcp/4001"`, 1, 1, noFlags(redeemURLVerb))
	clientVerb("revoked", "KREF", "print true if the object KREF was revoked, else false",
		"kernel revoked ko3", 1, 1, noFlags(revokedVerb))
	clientVerb("restart-vat", "VAT_ID", "restart a vat in a fresh worker from its baggage; its root keeps its kref, its other non-durable objects are gone",
		"kernel restart-vat v1", 1, 1, noFlags(restartVatVerb))
	clientVerb("upgrade-vat", "VAT_ID SOURCE", "give a vat new code (a source file, or a *.bundle.js) over the same baggage and durable objects; if it does not start, the vat runs its old code again",
		"kernel upgrade-vat v1 counter-v2.ts", 2, 2, noFlags(upgradeVatVerb))
	clientVerb("terminate-vat", "VAT_ID", "terminate one vat of a subcluster: its worker is killed, sends to its objects fail with VAT_TERMINATED, the other vats carry on",
		"kernel terminate-vat v2", 1, 1, noFlags(terminateVatVerb))
	clientVerb("reset", "--yes", "for debugging: stop every vat and wipe all kernel state (every subcluster, object and promise), with no undo; --yes confirms",
		"kernel reset --yes --socket /tmp/ocap-debug.sock", 0, 0, resetVerb)
	clientVerb("stop", "", "stop the daemon: finish the current crank, stop every worker, exit; returns once it has exited",
		"kernel stop --socket /tmp/ocap.sock", 0, 0, noFlags(stopVerb))
}

// clientRun is the work of a client verb, given a client of the daemon
// and the verb's arguments.
type clientRun func(c *control.Client, pos []string, stdout io.Writer) error

// clientVerb registers a verb that calls the daemon's control API: it
// takes --socket, from min to max arguments (-1: any), and the flags that
// flags adds; flags returns the verb's work.
func clientVerb(name, usage, summary, example string, min, max int, flags func(*pflag.FlagSet) clientRun) {
	verbs[name] = verb{
		usage: name + " [--socket PATH] " + usage, summary: summary, example: example,
		make: func(_ verb, out streams) *cobra.Command {
			var socket string
			c := &cobra.Command{Args: args(min, max)}
			socketFlag(c.Flags(), &socket)
			work := flags(c.Flags())
			c.RunE = func(_ *cobra.Command, pos []string) error {
				return work(control.NewClient(socket), pos, out.stdout)
			}
			return c
		},
	}
}

// noFlags is the flags of a verb that has none but --socket.
func noFlags(run clientRun) func(*pflag.FlagSet) clientRun {
	return func(*pflag.FlagSet) clientRun { return run }
}

func callContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), callTimeout)
}

func launchVerb(c *control.Client, pos []string, stdout io.Writer) error {
	// The daemon reads the file, from its own working directory.
	path, err := filepath.Abs(pos[0])
	if err != nil {
		return fmt.Errorf("cluster config path: %w", err)
	}
	ctx, cancel := callContext()
	defer cancel()
	res, err := c.Launch(ctx, path)
	if err != nil {
		return err
	}
	return printJSON(stdout, res)
}

func sendVerb(fs *pflag.FlagSet) clientRun {
	timeoutFlag := fs.String("timeout", sendTimeout.String(), "how long to wait for the result, a `DURATION` (0: no limit)")
	return func(c *control.Client, pos []string, stdout io.Writer) error {
		timeout, err := time.ParseDuration(*timeoutFlag)
		if err != nil || timeout < 0 {
			return usagef("--timeout takes a duration like 30s or 5m (0: no limit), got %q", *timeoutFlag)
		}
		ctx, cancel := context.Background(), context.CancelFunc(func() {})
		if timeout > 0 {
			// A little longer than the daemon's bound, so its TIMEOUT answer,
			// which says what timed out, arrives first.
			ctx, cancel = context.WithTimeout(ctx, timeout+10*time.Second)
		}
		defer cancel()
		kref, err := target(ctx, c, pos[0])
		if err != nil {
			return err
		}
		out, err := c.Send(ctx, kref, pos[1], jsonArgs(pos[2:]), timeout)
		if err != nil {
			return err
		}
		return printJSON(stdout, out)
	}
}

// target reads send's KREF: a kref, or @NAME for the root of the system
// subcluster NAME.
func target(ctx context.Context, c *control.Client, ref string) (string, error) {
	name, ok := strings.CutPrefix(ref, "@")
	if !ok {
		return ref, nil
	}
	return c.SystemRoot(ctx, name)
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

func outputFormat(o string) (table bool, err error) {
	switch o {
	case "json":
		return false, nil
	case "table":
		return true, nil
	default:
		return false, usagef("--output takes json or table, got %q", o)
	}
}

// listVerb makes status and subclusters: JSON, or a table with --output table.
func listVerb[T any](get func(*control.Client, context.Context) (T, error), table func(io.Writer, T) error) func(*pflag.FlagSet) clientRun {
	return func(fs *pflag.FlagSet) clientRun {
		output := fs.String("output", "json", "the output `FORMAT`: json or table")
		return func(c *control.Client, _ []string, stdout io.Writer) error {
			asTable, err := outputFormat(*output)
			if err != nil {
				return err
			}
			ctx, cancel := callContext()
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
}

// statusVerb is listVerb's status, which --wait[=TIMEOUT] makes wait
// until a daemon answers on the socket and is ready.
func statusVerb(fs *pflag.FlagSet) clientRun {
	wait := fs.String("wait", "0s", "wait up to `TIMEOUT` for the daemon to start and be ready (--wait alone: 1m)")
	fs.Lookup("wait").NoOptDefVal = defaultStatusWait.String()
	list := listVerb((*control.Client).Status, printStatusTable)(fs)
	return func(c *control.Client, pos []string, stdout io.Writer) error {
		limit, err := time.ParseDuration(*wait)
		if err != nil || limit < 0 {
			return usagef("--wait takes a duration like 30s or 2m, got %q (write --wait=TIMEOUT)", *wait)
		}
		if err := waitReady(c, limit); err != nil {
			return err
		}
		return list(c, pos, stdout)
	}
}

// defaultStatusWait is how long --wait alone waits.
const defaultStatusWait = time.Minute

// waitReady polls the daemon until it answers ready, for up to limit: no
// daemon yet, or one still starting, is worth waiting for; any other
// answer is not.
func waitReady(c *control.Client, limit time.Duration) error {
	if limit == 0 {
		return nil
	}
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := callContext()
		_, err := c.Status(ctx)
		cancel()
		waiting := errors.Is(err, control.ErrNoDaemon) || control.ErrorCode(err) == control.CodeStarting
		if !waiting {
			return nil // ready, or an error the status call itself will report
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// callVerb makes a verb that calls the daemon with its one argument (or
// none) and prints what call answers.
func callVerb(call func(ctx context.Context, c *control.Client, arg string) (any, error)) clientRun {
	return func(c *control.Client, pos []string, stdout io.Writer) error {
		arg := ""
		if len(pos) > 0 {
			arg = pos[0]
		}
		ctx, cancel := callContext()
		defer cancel()
		out, err := call(ctx, c, arg)
		if err != nil {
			return err
		}
		return printJSON(stdout, out)
	}
}

var (
	subclustersVerb = listVerb((*control.Client).Subclusters, printSubclustersTable)

	terminateVerb = callVerb(func(ctx context.Context, c *control.Client, id string) (any, error) {
		return control.TerminateResponse{SubclusterID: id, Terminated: true}, c.Terminate(ctx, id)
	})
	pingVatVerb = callVerb(func(ctx context.Context, c *control.Client, id string) (any, error) {
		return c.PingVat(ctx, id)
	})
	revokeVerb = callVerb(func(ctx context.Context, c *control.Client, kref string) (any, error) {
		return control.RevokeResponse{Kref: kref, Revoked: true}, c.Revoke(ctx, kref)
	})
	releaseVerb = callVerb(func(ctx context.Context, c *control.Client, kref string) (any, error) {
		n, err := c.Release(ctx, kref)
		return control.ReleaseResponse{Kref: kref, Released: n}, err
	})
	issueURLVerb = callVerb(func(ctx context.Context, c *control.Client, kref string) (any, error) {
		return c.IssueURL(ctx, kref)
	})
	redeemURLVerb = callVerb(func(ctx context.Context, c *control.Client, url string) (any, error) {
		return c.RedeemURL(ctx, url)
	})
	revokedVerb = callVerb(func(ctx context.Context, c *control.Client, kref string) (any, error) {
		return c.IsRevoked(ctx, kref)
	})
	restartVatVerb = callVerb(func(ctx context.Context, c *control.Client, id string) (any, error) {
		return control.RestartVatResponse{VatID: id, Restarted: true}, c.RestartVat(ctx, id)
	})
	terminateVatVerb = callVerb(func(ctx context.Context, c *control.Client, id string) (any, error) {
		return control.TerminateVatResponse{VatID: id, Terminated: true}, c.TerminateVat(ctx, id)
	})
)

// upgradeVatVerb sends the new code's absolute path: the daemon reads it.
func upgradeVatVerb(c *control.Client, pos []string, stdout io.Writer) error {
	path, err := filepath.Abs(pos[1])
	if err != nil {
		return fmt.Errorf("source path: %w", err)
	}
	ctx, cancel := callContext()
	defer cancel()
	if err := c.UpgradeVat(ctx, pos[0], path); err != nil {
		return err
	}
	return printJSON(stdout, control.UpgradeVatResponse{VatID: pos[0], Upgraded: true})
}

// systemRootVerb prints a system subcluster's root kref, as a JSON string
// or, with --raw, bare (for $(...) in a shell).
func systemRootVerb(fs *pflag.FlagSet) clientRun {
	raw := fs.Bool("raw", false, "print the kref without JSON quotes")
	return func(c *control.Client, pos []string, stdout io.Writer) error {
		ctx, cancel := callContext()
		defer cancel()
		kref, err := c.SystemRoot(ctx, pos[0])
		if err != nil {
			return err
		}
		if *raw {
			_, err = fmt.Fprintln(stdout, kref)
			return err
		}
		return printJSON(stdout, kref)
	}
}

// resetVerb wipes the daemon's state, only when --yes says the caller
// means it: there is no undo.
func resetVerb(fs *pflag.FlagSet) clientRun {
	yes := fs.Bool("yes", false, "confirm: wipe everything")
	return func(c *control.Client, _ []string, stdout io.Writer) error {
		if !*yes {
			return usagef("reset wipes every subcluster, object and promise of the kernel, with no undo: pass --yes to confirm")
		}
		ctx, cancel := callContext()
		defer cancel()
		if err := c.Reset(ctx); err != nil {
			return err
		}
		return printJSON(stdout, control.ResetResponse{Reset: true})
	}
}

// stopVerb asks the daemon to stop, then waits until it has exited, so
// that a script may start another daemon on the same store right after.
func stopVerb(c *control.Client, _ []string, stdout io.Writer) error {
	ctx, cancel := callContext()
	defer cancel()
	ack, err := c.Stop(ctx)
	if errors.Is(err, control.ErrNoDaemon) {
		// What is asked holds already, as systemctl stop of a stopped unit.
		return printJSON(stdout, struct {
			Stopped bool   `json:"stopped"`
			Note    string `json:"note"`
		}{true, "no kernel daemon at " + c.Socket})
	}
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
