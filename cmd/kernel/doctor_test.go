package main

import (
	"encoding/json"
	"testing"
)

// TestDoctor: kernel doctor reports this host's protections as JSON; the
// hosts the tests run on offer seccomp and Landlock with TCP rules.
func TestDoctor(t *testing.T) {
	r := kernelCmd(t, "doctor")
	if r.code != 0 {
		t.Fatalf("kernel doctor: %s", r)
	}
	var got struct {
		Seccomp     bool     `json:"seccomp"`
		LandlockABI int      `json:"landlockAbi"`
		LandlockTCP bool     `json:"landlockTcp"`
		Missing     []string `json:"missing"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("kernel doctor: %v in %q", err, r.stdout)
	}
	if !got.Seccomp || got.LandlockABI < 4 || !got.LandlockTCP || got.Missing == nil {
		t.Fatalf("kernel doctor on a host with seccomp and Landlock: %s", r.stdout)
	}
}
