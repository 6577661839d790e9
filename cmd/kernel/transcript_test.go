package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ocapgo/ocap/internal/testutil"
)

// transcriptBlock is one "$ command" of docs/cli.md and the output shown
// under it, up to the end of its console block or the next command.
var transcriptBlock = regexp.MustCompile("(?s)```console\n(.*?)```")

// step is one command of the transcript and the lines it should print.
type step struct {
	command string
	want    []string
}

func transcriptSteps(t *testing.T) []step {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	var steps []step
	for _, block := range transcriptBlock.FindAllStringSubmatch(string(doc), -1) {
		for _, line := range strings.Split(strings.TrimSuffix(block[1], "\n"), "\n") {
			if cmd, ok := strings.CutPrefix(line, "$ "); ok {
				steps = append(steps, step{command: cmd})
				continue
			}
			if len(steps) == 0 {
				t.Fatalf("docs/cli.md: output before any command: %q", line)
			}
			steps[len(steps)-1].want = append(steps[len(steps)-1].want, line)
		}
	}
	return steps
}

// matchLines reports whether got matches want line by line, where "…" in
// a line stands for any text and a line that is only "…" for any number
// of lines.
func matchLines(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if want[0] == "…" {
		for i := 0; i <= len(got); i++ {
			if matchLines(want[1:], got[i:]) {
				return true
			}
		}
		return false
	}
	if len(got) == 0 {
		return false
	}
	parts := strings.Split(want[0], "…")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	re := regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
	return re.MatchString(got[0]) && matchLines(want[1:], got[1:])
}

// TestCLITranscript runs docs/cli.md's commands, in order, in a shell at
// the repository's root with the kernel and vat-worker just built on PATH,
// and compares what each prints (stdout and stderr) with the document.
// A command ending in "&" runs in the background until the end.
func TestCLITranscript(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Dir(kernelPath(t))
	worker := testutil.WorkerPath(t)
	dir := shortDir(t)
	env := append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"OCAP_WORKER_PATH="+worker,
		"OCAP_SOCKET="+filepath.Join(dir, "kernel.sock"),
		"OCAP_DB=sqlite://"+filepath.Join(dir, "kernel.db"),
		"TRANSCRIPT_DIR="+dir,
	)
	steps := transcriptSteps(t)
	if len(steps) < 8 {
		t.Fatalf("docs/cli.md has %d commands", len(steps))
	}
	for _, s := range steps {
		if bg, ok := strings.CutSuffix(s.command, " &"); ok {
			cmd := exec.Command("sh", "-c", "exec "+bg)
			cmd.Dir, cmd.Env = root, env
			if err := cmd.Start(); err != nil {
				t.Fatalf("%s: %v", s.command, err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		cmd := exec.CommandContext(ctx, "sh", "-c", s.command)
		cmd.Dir, cmd.Env = root, env
		out, _ := cmd.CombinedOutput() // the document shows what a command prints, not its exit code
		cancel()
		got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if string(out) == "" {
			got = nil
		}
		if !matchLines(s.want, got) {
			t.Errorf("$ %s\ngot:\n%s\nwant:\n%s", s.command, out, strings.Join(s.want, "\n"))
		}
	}
}

func TestMatchLines(t *testing.T) {
	for _, c := range []struct {
		want, got []string
		ok        bool
	}{
		{[]string{"a…c"}, []string{"abbc"}, true},
		{[]string{"a…c"}, []string{"abbd"}, false},
		{[]string{"…", "x"}, []string{"1", "2", "x"}, true},
		{[]string{"…", "x"}, []string{"x", "y"}, false},
		{[]string{"x"}, nil, false},
		{nil, nil, true},
		{[]string{"a.c"}, []string{"abc"}, false},
	} {
		if got := matchLines(c.want, c.got); got != c.ok {
			t.Errorf("matchLines(%q, %q) = %v", c.want, c.got, got)
		}
	}
}
