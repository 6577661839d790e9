package control

import (
	"encoding/json"
	"fmt"

	"github.com/ocapgo/ocap/marshal"
)

// argValues turns JSON-form arguments into values to marshal.
func argValues(raw []json.RawMessage) ([]any, error) {
	args := make([]any, 0, len(raw))
	for i, a := range raw {
		// Plain float64 numbers: one out of range is a decoding error here
		// rather than a marshalling failure later.
		var v any
		if err := json.Unmarshal(a, &v); err != nil {
			return nil, badRequest("argument %d: %v", i+1, err)
		}
		args = append(args, marshal.FromJSON(v))
	}
	return args, nil
}

// JSONForm decodes a kernel value into the JSON form clients see (see
// marshal.ToJSON), with a remotable written "@kref" first:
// {"@kref":"ko12","@iface":"Alleged: root"}.
func JSONForm(cd marshal.CapData) (json.RawMessage, error) {
	v, err := marshal.Unmarshal(cd)
	if err != nil {
		return nil, fmt.Errorf("decoding a kernel value: %w", err)
	}
	data, err := json.Marshal(refsFirst(marshal.ToJSON(v)))
	if err != nil {
		return nil, fmt.Errorf("encoding a kernel value as JSON: %w", err)
	}
	return data, nil
}

// refJSON is a reference as printed: encoding/json would sort a map's
// keys and print "@iface" first.
type refJSON struct {
	Kref  string `json:"@kref"`
	Iface string `json:"@iface,omitempty"`
}

// refsFirst replaces the reference maps of a ToJSON result by refJSON.
func refsFirst(v any) any {
	switch x := v.(type) {
	case []any:
		for i, el := range x {
			x[i] = refsFirst(el)
		}
	case map[string]any:
		kref, ok := x["@kref"].(string)
		iface, hasIface := x["@iface"].(string)
		if ok && (len(x) == 1 || len(x) == 2 && hasIface) {
			return refJSON{Kref: kref, Iface: iface}
		}
		for k, el := range x {
			x[k] = refsFirst(el)
		}
	}
	return v
}
