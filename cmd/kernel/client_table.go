package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ocapgo/ocap/control"
)

// printStatusTable is `kernel status --output table`: the vats, the
// subclusters, then the remote comms state, for people rather than scripts.
func printStatusTable(w io.Writer, st *control.StatusResponse) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VAT\tNAME\tSUBCLUSTER\tPID")
	for _, v := range st.Vats {
		pid := "-"
		switch {
		case v.PID != 0:
			pid = strconv.Itoa(v.PID)
		case v.Dormant:
			pid = "dormant" // restored on demand, not started yet
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.ID, dash(v.Name), v.SubclusterID, pid)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := printSubclustersTable(w, st.Subclusters); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nremoteComms: %s\n", st.RemoteComms.State)
	return err
}

// printSubclustersTable is `kernel subclusters --output table`.
func printSubclustersTable(w io.Writer, subs control.SubclustersResponse) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBCLUSTER\tNAME\tSYSTEM\tROOT\tVATS")
	for _, s := range subs {
		system := "no"
		if s.System {
			system = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, dash(s.Name), system, s.RootKref, dash(strings.Join(s.Vats, ",")))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
