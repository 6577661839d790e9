package marshal

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
)

// maxDepth bounds nesting on both encode and decode, so a cyclic Go value or
// a hostile body ends in an error instead of exhausting the stack.
const maxDepth = 10000

// Marshal encodes v as smallcaps CapData, byte for byte as @endo/marshal
// would encode the corresponding JavaScript value. Slots are the Krefs of
// the Refs in v, in the order the encoder first meets them, each once.
// Slots is never nil, so it is written as [] in JSON.
//
// An unpassable value fails with an error naming its Go type and where it
// sits, e.g. "cannot marshal func() at [1].x".
func Marshal(v any) (CapData, error) {
	e := encoder{buf: make([]byte, 1, 64)}
	e.buf[0] = '#'
	if err := e.value(v, 0); err != nil {
		return CapData{}, err
	}
	slots := e.slots
	if slots == nil {
		slots = []string{}
	}
	return CapData{Body: string(e.buf), Slots: slots}, nil
}

// encoder accumulates one body and its slots.
type encoder struct {
	buf   []byte
	slots []string
	// slotIndex is built only once a value holds many capabilities; below
	// that a scan of slots is cheaper than a map.
	slotIndex map[string]int
}

// linearSlots is how many slots are searched by scanning before slotIndex is
// built.
const linearSlots = 16

// value writes one passable. The cases are ordered so that the values
// Unmarshal produces never reach reflection.
func (e *encoder) value(v any, depth int) error {
	if depth > maxDepth {
		return errors.New("value nested too deeply (is there a cycle?)")
	}
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		e.string(x)
	case float64:
		e.buf = appendNumber(e.buf, x)
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case []any:
		return e.array(x, depth)
	case map[string]any:
		return e.record(x, depth)
	case Ref:
		return e.ref(x)
	case Undefined:
		e.buf = append(e.buf, `"#undefined"`...)
	case int:
		return e.int(int64(x))
	case *big.Int:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		e.bigint(x)
	case Symbol:
		if err := checkSymbolName(x.Name); err != nil {
			return fmt.Errorf("cannot marshal symbol: %w", err)
		}
		e.buf = append(e.buf, '"', '%')
		e.buf = appendStringContent(e.buf, x.Name)
		e.buf = append(e.buf, '"')
	case Tagged:
		return e.tagged(x, depth)
	case *Error:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		e.error(*x)
	default:
		return e.other(v, depth)
	}
	return nil
}

// other handles the convenience forms: pointers to the model's types, other
// numeric kinds, foreign errors, and, last, anything reflection can read.
func (e *encoder) other(v any, depth int) error {
	switch x := v.(type) {
	case int8:
		return e.int(int64(x))
	case int16:
		return e.int(int64(x))
	case int32:
		return e.int(int64(x))
	case int64:
		return e.int(x)
	case uint:
		return e.uint(uint64(x))
	case uint8:
		return e.uint(uint64(x))
	case uint16:
		return e.uint(uint64(x))
	case uint32:
		return e.uint(uint64(x))
	case uint64:
		return e.uint(x)
	case uintptr:
		return e.uint(uint64(x))
	case float32:
		e.buf = appendNumber(e.buf, float32ToFloat(x))
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return fmt.Errorf("cannot marshal json.Number %q: %w", string(x), err)
		}
		e.buf = appendNumber(e.buf, f)
	case big.Int:
		e.bigint(&x)
	case Error:
		e.error(x)
	case *Ref:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.ref(*x)
	case *Tagged:
		if x == nil {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.tagged(*x, depth)
	case *Undefined:
		e.buf = append(e.buf, `"#undefined"`...)
	case error:
		e.error(Error{Name: "Error", Message: x.Error()})
	default:
		return e.reflect(v, depth)
	}
	return nil
}

// string writes a string, escaping one that starts with a special character
// by prefixing '!'.
func (e *encoder) string(s string) {
	e.buf = append(e.buf, '"')
	if startsSpecial(s) {
		e.buf = append(e.buf, '!')
	}
	e.buf = appendStringContent(e.buf, s)
	e.buf = append(e.buf, '"')
}

// startsSpecial reports whether s starts with one of the characters smallcaps
// reserves for its encodings, '!' through '-'.
func startsSpecial(s string) bool {
	return len(s) > 0 && s[0] >= '!' && s[0] <= '-'
}

func (e *encoder) int(i int64) error {
	f, ok := intToFloat(i)
	if !ok {
		return fmt.Errorf("cannot marshal integer %d: a JavaScript number cannot hold it exactly (use *big.Int for a bigint)", i)
	}
	e.buf = appendNumber(e.buf, f)
	return nil
}

func (e *encoder) uint(u uint64) error {
	f, ok := uintToFloat(u)
	if !ok {
		return fmt.Errorf("cannot marshal integer %d: a JavaScript number cannot hold it exactly (use *big.Int for a bigint)", u)
	}
	e.buf = appendNumber(e.buf, f)
	return nil
}

// bigint writes "+N" for a non-negative bigint and "-N" for a negative one.
func (e *encoder) bigint(x *big.Int) {
	e.buf = append(e.buf, '"')
	if x.Sign() >= 0 {
		e.buf = append(e.buf, '+')
	}
	e.buf = x.Append(e.buf, 10)
	e.buf = append(e.buf, '"')
}

func (e *encoder) array(a []any, depth int) error {
	e.buf = append(e.buf, '[')
	for i, el := range a {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.value(el, depth+1); err != nil {
			return atIndex(err, i)
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

func (e *encoder) record(m map[string]any, depth int) error {
	var small [8]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	e.buf = append(e.buf, '{')
	for i, k := range keys {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.string(k)
		e.buf = append(e.buf, ':')
		if err := e.value(m[k], depth+1); err != nil {
			return atKey(err, k)
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

func (e *encoder) tagged(t Tagged, depth int) error {
	e.buf = append(e.buf, `{"#tag":`...)
	e.string(t.Tag)
	e.buf = append(e.buf, `,"payload":`...)
	if err := e.value(t.Payload, depth+1); err != nil {
		return atKey(err, "payload")
	}
	e.buf = append(e.buf, '}')
	return nil
}

// error writes {"#error": message, "errorId"?: id, "name": name}, the key
// order @endo/marshal uses. An empty name is sent as "Error".
func (e *encoder) error(x Error) {
	e.buf = append(e.buf, `{"#error":`...)
	e.string(x.Message)
	if x.ErrorID != "" {
		e.buf = append(e.buf, `,"errorId":`...)
		e.string(x.ErrorID)
	}
	e.buf = append(e.buf, `,"name":`...)
	if x.Name == "" {
		x.Name = "Error"
	}
	e.string(x.Name)
	e.buf = append(e.buf, '}')
}

// ref writes a remotable as "$N.iface" the first time (or "$N" without an
// interface name) and "$N" after that, and a promise as "&N".
func (e *encoder) ref(r Ref) error {
	if r.Kref == "" {
		return errors.New("cannot marshal a Ref with an empty Kref")
	}
	idx, seen := e.slot(r.Kref)
	promise := r.IsPromise()
	if promise {
		e.buf = append(e.buf, '"', '&')
	} else {
		e.buf = append(e.buf, '"', '$')
	}
	e.buf = strconv.AppendInt(e.buf, int64(idx), 10)
	if !seen && !promise && r.Iface != "" {
		e.buf = append(e.buf, '.')
		e.buf = appendStringContent(e.buf, r.Iface)
	}
	e.buf = append(e.buf, '"')
	return nil
}

// slot returns the index of kref in the slots, adding it if new.
func (e *encoder) slot(kref string) (idx int, seen bool) {
	if e.slotIndex != nil {
		if i, ok := e.slotIndex[kref]; ok {
			return i, true
		}
	} else {
		for i, s := range e.slots {
			if s == kref {
				return i, true
			}
		}
	}
	idx = len(e.slots)
	e.slots = append(e.slots, kref)
	switch {
	case e.slotIndex != nil:
		e.slotIndex[kref] = idx
	case len(e.slots) > linearSlots:
		e.slotIndex = make(map[string]int, 2*len(e.slots))
		for i, s := range e.slots {
			e.slotIndex[s] = i
		}
	}
	return idx, false
}
