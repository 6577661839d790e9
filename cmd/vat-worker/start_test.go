package main

import (
	"testing"
	"time"
)

// The kernel may shorten the idle trim through the environment; anything
// but a positive duration leaves the default.
func TestIdleTrimAfter(t *testing.T) {
	for env, want := range map[string]time.Duration{"": idleTrim, "1s": time.Second, "250ms": 250 * time.Millisecond, "0s": idleTrim, "-1s": idleTrim, "soon": idleTrim} {
		t.Setenv(idleTrimEnv, env)
		if got := idleTrimAfter(); got != want {
			t.Errorf("%s=%q: %v, want %v", idleTrimEnv, env, got, want)
		}
	}
}
