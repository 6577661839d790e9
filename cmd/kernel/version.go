package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() {
	verbs["version"] = verb{
		usage:   "version",
		summary: "print the kernel's version, commit and Go version as JSON (kernel --version: one line)",
		example: "kernel version",
		make: func(_ verb, out streams) *cobra.Command {
			return &cobra.Command{Args: args(0, 0), RunE: func(*cobra.Command, []string) error {
				return printJSON(out.stdout, buildVersion())
			}}
		},
	}
}

// version is what the kernel binary knows of its own build.
type version struct {
	Version  string `json:"version"`  // the module version; "(devel)" for a build from a work tree
	Commit   string `json:"commit"`   // the VCS revision, "" when not known
	Modified bool   `json:"modified"` // built from a work tree with uncommitted changes
	Go       string `json:"go"`
}

// buildVersion reads the build information the Go toolchain embeds.
func buildVersion() version {
	v := version{Version: "(unknown)", Go: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// line is `kernel --version`: "kernel VERSION (commit C, GO)".
func (v version) line() string {
	commit := v.Commit
	if commit == "" {
		commit = "unknown"
	} else if v.Modified {
		commit += "+modified"
	}
	return fmt.Sprintf("kernel %s (commit %s, %s)", v.Version, commit, v.Go)
}
