package platform

import (
	"bytes"
	"strings"
	"sync"
)

const (
	tailLines   = 20   // stderr lines kept per worker for exit errors
	tailLineMax = 2048 // longer lines are cut
)

// tail keeps the last lines a worker wrote to stderr, to explain its exit.
// go-plugin writes each stderr line to it (the newline in a separate write).
type tail struct {
	mu      sync.Mutex
	lines   []string
	partial []byte
	oom     bool // a line said the Go runtime ran out of memory
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			t.add(b)
			break
		}
		t.add(b[:i])
		t.push()
		b = b[i+1:]
	}
	return n, nil
}

func (t *tail) add(b []byte) {
	if room := tailLineMax - len(t.partial); room > 0 {
		t.partial = append(t.partial, b[:min(room, len(b))]...)
	}
}

func (t *tail) push() {
	line := string(t.partial)
	t.oom = t.oom || outOfMemory(line)
	t.lines = append(t.lines, line)
	t.partial = t.partial[:0]
	if len(t.lines) > tailLines {
		t.lines = append(t.lines[:0], t.lines[len(t.lines)-tailLines:]...)
	}
}

// outOfMemory reports whether the worker said it ran out of memory.
func (t *tail) outOfMemory() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.oom || outOfMemory(string(t.partial))
}

// String returns the kept lines, indented, for an error message; "" if the
// worker wrote nothing.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := append([]string{}, t.lines...)
	if len(t.partial) > 0 {
		lines = append(lines, string(t.partial))
	}
	if len(lines) == 0 {
		return ""
	}
	return "\n  " + strings.Join(lines, "\n  ")
}

// stderrSuffix ends an error message with the worker's last stderr lines.
func stderrSuffix(t *tail) string {
	if lines := t.String(); lines != "" {
		return "; last stderr lines:" + lines
	}
	return ""
}
