package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestStartupCodeRelease drops this test binary's code and read-only data
// from memory and runs on: the pages come back as they are used.
func TestStartupCodeRelease(t *testing.T) {
	code := startupCode()
	if len(code) == 0 {
		t.Fatal("found no read-only mapping of the executable")
	}
	code.release()
	debug.FreeOSMemory()
	if got := strings.Repeat("ab", 3); got != "ababab" {
		t.Fatalf("after release: %q", got)
	}
}
