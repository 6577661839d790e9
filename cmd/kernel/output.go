package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/ocapgo/ocap/control"
	"github.com/ocapgo/ocap/marshal"
)

// printJSON writes v as one line of JSON: stdout holds only results.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// decoded turns CapData into its JSON form for printing, the same form
// the control API answers with (a remotable prints "@kref" first).
func decoded(cd *marshal.CapData) (any, error) {
	if cd == nil {
		return nil, nil
	}
	v, err := control.JSONForm(*cd)
	if err != nil {
		return nil, fmt.Errorf("decoding result: %w", err)
	}
	return v, nil
}

// parseArgs reads JSON-ARGs: valid JSON is taken as JSON, anything else as
// a plain string; {"@kref":"ko12"} becomes a reference.
func parseArgs(args []string) []any {
	out := make([]any, 0, len(args))
	for _, a := range args {
		var v any
		if err := json.Unmarshal([]byte(a), &v); err != nil {
			out = append(out, a)
			continue
		}
		out = append(out, marshal.FromJSON(v))
	}
	return out
}

// launchOutput is what launching prints, in this field order.
type launchOutput struct {
	SubclusterID    string `json:"subclusterId"`
	RootKref        string `json:"rootKref"`
	BootstrapResult any    `json:"bootstrapResult"`
}
