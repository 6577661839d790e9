package marshal

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
)

// Decode decodes cd into the Go value v points to, as encoding/json decodes
// the same value written as JSON: records into structs (by `json` tags) or
// maps, arrays into slices, numbers and bigints into any numeric type that
// holds them (a bigint also into *big.Int), strings into strings. Values
// JSON lacks arrive as: a remotable or promise as its slot ("ko12"), so a
// string field holds its kref (a Ref field holds it whole); undefined as
// null; a symbol as its name; an error as {"name", "message"}; a tagged
// value as {"tag", "payload"}. NaN and ±Infinity have no JSON form: they
// are an error naming where they are.
func (cd CapData) Decode(v any) error {
	x, err := Unmarshal(cd)
	if err != nil {
		return err
	}
	j, err := jsonable(x, "value")
	if err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	data, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// jsonable turns a decoded value into one encoding/json writes as Decode
// documents; at names where x is, for errors.
func jsonable(x any, at string) (any, error) {
	switch x := x.(type) {
	case Undefined:
		return nil, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%s is %v, which JSON cannot hold", at, x)
		}
		return x, nil
	case *big.Int:
		return json.Number(x.String()), nil
	case Symbol:
		return x.Name, nil
	case Ref:
		return x.Kref, nil
	case *Error:
		return map[string]any{"name": x.Name, "message": x.Message}, nil
	case Tagged:
		payload, err := jsonable(x.Payload, at+".payload")
		return map[string]any{"tag": x.Tag, "payload": payload}, err
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = jsonable(e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			var err error
			if out[k], err = jsonable(e, at+"."+k); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return x, nil
}
