package marshal

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
)

// ToJSON turns a decoded value into plain JSON data (nil, bool, float64,
// string, []any, map[string]any) for printing on the command line, where a
// reader wants JSON rather than smallcaps. The mapping loses type detail on
// purpose:
//
//	Ref               {"@kref": "ko12", "@iface": "Alleged: root"} (no "@iface" when empty)
//	Undefined         null
//	*big.Int          its decimal digits as a string: "123", "-5"
//	NaN, ±Inf         "NaN", "Infinity", "-Infinity" (and -0 is 0)
//	Symbol            its name: "foo", "@@asyncIterator"
//	Tagged            {"@tag": tag, "payload": ...}
//	*Error            {"@error": message, "name": name}
//
// Arrays and records are converted element by element; any other value is
// returned as is (encoding/json will render it).
func ToJSON(v any) any {
	switch x := v.(type) {
	case nil, Undefined:
		return nil
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		case x == 0:
			return 0.0 // -0 prints as 0, as in JavaScript
		}
		return x
	case *big.Int:
		if x == nil {
			return nil
		}
		return x.String()
	case Symbol:
		return x.Name
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = ToJSON(el)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, el := range x {
			out[k] = ToJSON(el)
		}
		return out
	case Ref:
		if x.Iface == "" {
			return map[string]any{"@kref": x.Kref}
		}
		return map[string]any{"@kref": x.Kref, "@iface": x.Iface}
	case Tagged:
		return map[string]any{"@tag": x.Tag, "payload": ToJSON(x.Payload)}
	case *Error:
		if x == nil {
			return nil
		}
		return map[string]any{"@error": x.Message, "name": x.Name}
	}
	return v
}

// FromJSON turns JSON data given on the command line (as decoded by
// encoding/json) into a value to marshal: an object {"@kref": "ko12"},
// optionally with a string "@iface" and nothing else, becomes a Ref; a
// json.Number becomes a float64 (or stays a json.Number if it does not
// parse); arrays and objects are converted element by element; everything
// else is returned as is. It is not the inverse of ToJSON: "@tag" and
// "@error" objects stay plain records.
func FromJSON(j any) any {
	switch x := j.(type) {
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = FromJSON(el)
		}
		return out
	case map[string]any:
		if r, ok := refFromJSON(x); ok {
			return r
		}
		out := make(map[string]any, len(x))
		for k, el := range x {
			out[k] = FromJSON(el)
		}
		return out
	case json.Number:
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			return f
		}
	}
	return j
}

// refFromJSON recognises {"@kref": string, "@iface"?: string}.
func refFromJSON(m map[string]any) (Ref, bool) {
	kref, ok := m["@kref"].(string)
	if !ok || kref == "" {
		return Ref{}, false
	}
	switch len(m) {
	case 1:
		return Ref{Kref: kref}, true
	case 2:
		iface, ok := m["@iface"].(string)
		return Ref{Kref: kref, Iface: iface}, ok
	}
	return Ref{}, false
}
