package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/ocapgo/ocap/control"
)

func init() {
	clientVerb("logs", "[-f] [--since DURATION|TIME] [--output json|text] [VAT_ID|SUBCLUSTER_ID]",
		"print the recent log lines of a vat, of a subcluster's vats, or of every vat (console output included); -f follows",
		"kernel logs -f v1", 0, 1, logsVerb)
}

var subclusterID = regexp.MustCompile(`^s[0-9]+$`)

func logsVerb(fs *pflag.FlagSet) clientRun {
	follow := fs.BoolP("follow", "f", false, "keep printing lines as they come, until interrupted")
	since := fs.String("since", "", "only lines from `DURATION` ago (10m) or from an RFC 3339 TIME on (default: every line kept)")
	output := fs.String("output", "json", "the output `FORMAT`: json (one object a line) or text")
	return func(c *control.Client, pos []string, stdout io.Writer) error {
		var f control.LogFilter
		if len(pos) == 1 {
			if subclusterID.MatchString(pos[0]) {
				f.Subcluster = pos[0]
			} else {
				f.Vat = pos[0]
			}
		}
		if *since != "" {
			t, err := sinceTime(*since)
			if err != nil {
				return err
			}
			f.Since = t
		}
		if *output != "json" && *output != "text" {
			return usagef("--output takes json or text, got %q", *output)
		}
		ctx, cancel := callContext()
		if *follow {
			ctx, cancel = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		}
		defer cancel()
		return c.Logs(ctx, f, *follow, func(l control.LogLine) error {
			if *output == "text" {
				_, err := fmt.Fprintln(stdout, logText(l))
				return err
			}
			return printJSON(stdout, l)
		})
	}
}

// sinceTime reads --since: a duration back from now, or a time.
func sinceTime(s string) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return time.Now().Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("--since takes a duration like 10m or a time like 2026-01-02T15:04:05Z, got %q", s)
}

// logText is a line for people: "TIME VAT LEVEL MESSAGE key=value ...".
func logText(l control.LogLine) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s %s", l.Time.Format(time.RFC3339Nano), l.Vat, l.Level, l.Message)
	keys := make([]string, 0, len(l.Fields))
	for k := range l.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, l.Fields[k])
	}
	return b.String()
}
