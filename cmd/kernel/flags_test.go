package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

func TestDeliveryTimeoutFlag(t *testing.T) {
	for args, want := range map[string]time.Duration{
		"":                             defaultDeliveryTimeout,
		"--delivery-timeout 2m":        2 * time.Minute,
		"--delivery-timeout=250ms":     250 * time.Millisecond,
		"--delivery-timeout 1h30m0.5s": time.Hour + 30*time.Minute + 500*time.Millisecond,
	} {
		c, _, err := newRoot(streams{io.Discard, io.Discard}).Find([]string{"serve"})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.ParseFlags(strings.Fields(args)); err != nil {
			t.Fatalf("%s: %v", args, err)
		}
		s, _ := c.Flags().GetString("delivery-timeout")
		if got, err := deliveryTimeout(s); err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", args, got, err, want)
		}
	}
	if defaultDeliveryTimeout != 30*time.Second {
		t.Errorf("the default is %v; DESIGN.md and ocap.Options say 30s", defaultDeliveryTimeout)
	}
}

// A bad --delivery-timeout is a usage error of serve and run; their --help
// says what the flag does and its default.
func TestDeliveryTimeoutUsage(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--delivery-timeout", "soon"},
		{"serve", "--delivery-timeout", "0"},
		{"run", "--delivery-timeout", "-1s", "cluster.json"},
		{"run", "--delivery-timeout", "30", "cluster.json"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "--delivery-timeout takes a positive duration") {
			t.Errorf("kernel %s: exit %d, stderr %q; want exit 2 and the flag's usage", strings.Join(args, " "), code, stderr.String())
		}
	}
	for _, v := range []string{"serve", "run"} {
		var stdout, stderr bytes.Buffer
		code := run([]string{v, "--help"}, &stdout, &stderr)
		help := stdout.String()
		if code != 0 || !strings.Contains(help, "[--delivery-timeout DURATION]") ||
			!strings.Contains(help, "--delivery-timeout DURATION (default 30s)") || !strings.Contains(help, "terminated") {
			t.Errorf("kernel %s --help: exit %d\n%s", v, code, help)
		}
	}
}
