package platform

import "testing"

// The Go runtime's last words when the memory cap refuses it, in each of
// the forms seen, name a memory death; other fatal errors do not.
func TestOutOfMemoryLines(t *testing.T) {
	for line, want := range map[string]bool{
		"fatal error: out of memory":                                         true,
		"fatal error: runtime: out of memory":                                true,
		"fatal error: runtime: cannot allocate memory":                       true,
		"runtime: failed to create new OS thread (have 7 already; errno=12)": true,
		"runtime: failed to create new OS thread (have 7 already; errno=11)": false,
		"fatal error: concurrent map writes":                                 false,
		"panic: runtime error: index out of range":                           false,
	} {
		if got := outOfMemory(line); got != want {
			t.Errorf("outOfMemory(%q) = %v, want %v", line, got, want)
		}
	}
}
