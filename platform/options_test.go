package platform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeExecutable(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestFindWorker(t *testing.T) {
	dir := t.TempDir()
	explicit := filepath.Join(dir, "my-worker")
	writeExecutable(t, explicit)
	onPath := t.TempDir()
	writeExecutable(t, filepath.Join(onPath, "vat-worker"))
	fromEnv := filepath.Join(dir, "env-worker")
	writeExecutable(t, fromEnv)

	t.Setenv("PATH", onPath)
	t.Setenv(workerPathEnv, "")
	if got, err := findWorker(explicit); err != nil || got != explicit {
		t.Errorf("explicit path: %q, %v", got, err)
	}
	if got, err := findWorker(""); err != nil || got != filepath.Join(onPath, "vat-worker") {
		t.Errorf("on PATH: %q, %v", got, err)
	}
	t.Setenv(workerPathEnv, fromEnv)
	if got, err := findWorker(""); err != nil || got != fromEnv {
		t.Errorf("from $%s: %q, %v", workerPathEnv, got, err)
	}
	if got, err := findWorker(explicit); err != nil || got != explicit {
		t.Errorf("explicit path beats the environment: %q, %v", got, err)
	}

	t.Setenv(workerPathEnv, "")
	t.Setenv("PATH", t.TempDir())
	if _, err := findWorker(""); err == nil || !strings.Contains(err.Error(), "WorkerPath") {
		t.Errorf("no worker anywhere: %v", err)
	}
	if _, err := findWorker(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing explicit path was accepted")
	}
}
