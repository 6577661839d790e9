package main

import (
	"github.com/spf13/cobra"

	"github.com/ocapgo/ocap/platform"
)

func init() {
	verbs["doctor"] = verb{
		usage:   "doctor",
		summary: "print, as JSON, which OS protections this host offers vat workers (seccomp, Landlock, memory cap) and which are missing",
		example: "kernel doctor",
		make: func(_ verb, out streams) *cobra.Command {
			return &cobra.Command{Args: args(0, 0), RunE: func(*cobra.Command, []string) error {
				return printJSON(out.stdout, platform.ProbeHost())
			}}
		},
	}
}
