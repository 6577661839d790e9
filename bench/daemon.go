package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// daemonRow times `kernel send --socket S @target ping I` round trips
// against a `kernel serve` daemon over url running target.json as the
// system subcluster "target": each send is a new process, as from a shell
// script.
func daemonRow(ctx context.Context, cfg config, dir, url, s string, out *reporter) error {
	if _, err := os.Stat(cfg.kernelPath); err != nil {
		return fmt.Errorf("the host row's daemon needs the kernel binary (make build, or -kernel PATH, or -rows without host): %w", err)
	}
	sock := filepath.Join(dir, "kernel-"+s+".sock")
	serve := exec.CommandContext(ctx, cfg.kernelPath, "serve", "--db", url, "--socket", sock,
		"--system", "target="+filepath.Join(repoRoot(), "bench", "vats", "target.json"))
	var logs strings.Builder
	serve.Stderr = &logs
	if err := serve.Start(); err != nil {
		return err
	}
	defer func() {
		_ = exec.Command(cfg.kernelPath, "stop", "--socket", sock).Run()
		if err := serve.Wait(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: kernel serve: %v\n%s", err, logs.String())
		}
	}()
	kernel := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, cfg.kernelPath, args...)
		b, err := cmd.Output()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				err = fmt.Errorf("kernel %s: %w: %s", strings.Join(args, " "), err, ee.Stderr)
			}
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
	if _, err := kernel("status", "--wait", "--socket", sock); err != nil {
		return fmt.Errorf("%w\n%s", err, logs.String())
	}
	send := func(i int) error {
		got, err := kernel("send", "--socket", sock, "@target", "ping", fmt.Sprint(i))
		if err == nil && got != fmt.Sprint(i+1) {
			err = fmt.Errorf("kernel send @target ping %d printed %q", i, got)
		}
		return err
	}
	// status --wait answers only once the daemon is ready, its system
	// subclusters launched: target answers from here on. One warm-up send.
	if err := send(0); err != nil {
		return err
	}
	var samples []float64
	for r := 0; r < cfg.runs; r++ {
		start := time.Now()
		for i := 0; i < cfg.cliSends; i++ {
			if err := send(i); err != nil {
				return err
			}
		}
		samples = append(samples, rate(cfg.cliSends, time.Since(start)))
	}
	out.add("host/cli", s, "round trips/s", samples)
	return nil
}
