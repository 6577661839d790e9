package marshal

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Unmarshal decodes smallcaps CapData into the value model described in the
// package documentation. It accepts everything @endo/marshal writes and
// refuses what @endo/marshal's decoder refuses (unknown "#" constants, the
// reserved prefixes " ' ( ) * and ",", record keys starting with '#' or not
// decoding to strings, malformed tagged and error records), plus a few
// things the JavaScript decoder lets through by accident but a kernel must
// not: a slot index that is not plain decimal digits or is out of range, an
// empty slot, and a slot marked as a promise ('&') whose name is not a
// promise's (or the reverse). It never panics.
//
// The legacy (non-smallcaps) CapData body format, plain JSON with "@qclass"
// objects, is not supported.
func Unmarshal(cd CapData) (any, error) {
	if !strings.HasPrefix(cd.Body, "#") {
		return nil, errors.New("unmarshal: body is not smallcaps (it must start with '#')")
	}
	d := decoder{s: cd.Body, i: 1, slots: cd.Slots}
	v, err := d.value(0)
	if err == nil {
		d.skipSpace()
		if d.i < len(d.s) {
			err = d.errorf("unexpected %q after the value", d.s[d.i])
		}
	}
	if err != nil {
		return nil, fmt.Errorf("unmarshal smallcaps body: %w", err)
	}
	return v, nil
}

// decoder reads one body. It parses the JSON itself, turning each JSON value
// straight into its passable, which avoids a generic JSON tree and keeps
// offsets for error messages.
type decoder struct {
	s     string
	i     int
	slots []string
	// refs caches the Ref decoded for each slot index, so a capability named
	// again ("$0" after "$0.Alleged: root") keeps its first interface name,
	// as @endo/marshal returns the same object for it.
	refs []Ref
}

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", d.i, fmt.Sprintf(format, args...))
}

func (d *decoder) skipSpace() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value reads the next JSON value and returns the passable it encodes.
func (d *decoder) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, d.errorf("value nested too deeply")
	}
	d.skipSpace()
	if d.i >= len(d.s) {
		return nil, d.errorf("unexpected end of body")
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		start := d.i
		raw, next, err := parseString(d.s, d.i)
		if err != nil {
			d.i = next
			return nil, d.errorf("%v", err)
		}
		d.i = next
		v, err := d.special(raw)
		if err != nil {
			return nil, fmt.Errorf("at offset %d: %w", start, err)
		}
		return v, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case strings.HasPrefix(d.s[d.i:], "true"):
		d.i += 4
		return true, nil
	case strings.HasPrefix(d.s[d.i:], "false"):
		d.i += 5
		return false, nil
	case strings.HasPrefix(d.s[d.i:], "null"):
		d.i += 4
		return nil, nil
	default:
		return nil, d.errorf("unexpected %q", c)
	}
}

// number reads a JSON number. Like JSON.parse, a literal too large for a
// float64 reads as an infinity.
func (d *decoder) number() (any, error) {
	start := d.i
	s := d.s
	i := d.i
	if s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		d.i = i
		return nil, d.errorf("invalid number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			d.i = i
			return nil, d.errorf("invalid number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			d.i = i
			return nil, d.errorf("invalid number")
		}
	}
	d.i = i
	f, err := strconv.ParseFloat(s[start:i], 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, fmt.Errorf("at offset %d: %w", start, err)
	}
	return f, nil
}

func (d *decoder) array(depth int) (any, error) {
	d.i++ // [
	a := []any{}
	d.skipSpace()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return a, nil
	}
	for {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		d.skipSpace()
		if d.i >= len(d.s) {
			return nil, d.errorf("unexpected end of body in an array")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return a, nil
		default:
			return nil, d.errorf("expected ',' or ']' in an array, found %q", d.s[d.i])
		}
	}
}

// object reads a JSON object: a tagged value, an error or a record. Its
// values are decoded as they are read; the keys decide afterwards which of
// the three it is, as @endo/marshal checks "#tag", then "#error".
func (d *decoder) object(depth int) (any, error) {
	start := d.i
	d.i++ // {
	m := map[string]any{}
	d.skipSpace()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return m, nil
	}
	for {
		d.skipSpace()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, d.errorf("expected a string key in an object")
		}
		key, next, err := parseString(d.s, d.i)
		if err != nil {
			d.i = next
			return nil, d.errorf("%v", err)
		}
		d.i = next
		d.skipSpace()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, d.errorf("expected ':' after an object key")
		}
		d.i++
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[key] = v
		d.skipSpace()
		if d.i >= len(d.s) {
			return nil, d.errorf("unexpected end of body in an object")
		}
		if d.s[d.i] == ',' {
			d.i++
			continue
		}
		if d.s[d.i] != '}' {
			return nil, d.errorf("expected ',' or '}' in an object, found %q", d.s[d.i])
		}
		d.i++
		break
	}
	var v any
	var err error
	if _, ok := m["#tag"]; ok {
		v, err = taggedFrom(m)
	} else if _, ok := m["#error"]; ok {
		v, err = errorFrom(m)
	} else {
		v, err = recordFrom(m)
	}
	if err != nil {
		return nil, fmt.Errorf("at offset %d: %w", start, err)
	}
	return v, nil
}

// taggedFrom builds a Tagged from {"#tag": tag, "payload": p}, which may hold
// nothing else.
func taggedFrom(m map[string]any) (any, error) {
	tag, ok := m["#tag"].(string)
	if !ok {
		return nil, fmt.Errorf("the tag of a tagged value must be a string, not %s", kindOf(m["#tag"]))
	}
	payload, ok := m["payload"]
	if !ok {
		return nil, errors.New("tagged value has no payload")
	}
	if len(m) != 2 {
		return nil, fmt.Errorf("tagged value has unexpected properties %s", extraKeys(m, "#tag", "payload"))
	}
	return Tagged{Tag: tag, Payload: payload}, nil
}

// errorFrom builds an *Error from {"#error": message, "name": name,
// "errorId"?: id}. Other properties ("cause", "errors", future ones) are
// tolerated, as by @endo/marshal, and dropped; "message" is refused.
func errorFrom(m map[string]any) (any, error) {
	msg, ok := m["#error"].(string)
	if !ok {
		return nil, fmt.Errorf("error message must be a string, not %s", kindOf(m["#error"]))
	}
	if _, ok := m["message"]; ok {
		return nil, errors.New(`error has an unexpected "message" property`)
	}
	rawName, ok := m["name"]
	if !ok {
		return nil, errors.New("error has no name")
	}
	name, ok := rawName.(string)
	if !ok {
		return nil, fmt.Errorf("error name must be a string, not %s", kindOf(rawName))
	}
	e := &Error{Name: name, Message: msg}
	if id, ok := m["errorId"].(string); ok {
		e.ErrorID = id
	}
	return e, nil
}

// recordFrom turns the parsed object into a record, decoding its keys: a key
// may not start with '#', and one starting with another special character
// must be '!'-escaped (anything else would decode to a non-string).
func recordFrom(m map[string]any) (any, error) {
	var renames []string
	for k := range m {
		if !startsSpecial(k) {
			continue
		}
		switch k[0] {
		case '#':
			return nil, fmt.Errorf("record key %q starts with '#'", k)
		case '!':
			renames = append(renames, k)
		default:
			return nil, fmt.Errorf("record key %q does not decode to a string", k)
		}
	}
	for _, k := range renames {
		v := m[k]
		delete(m, k)
		m[k[1:]] = v
	}
	return m, nil
}

// special decodes the string encodings: escaped strings, constants, bigints,
// symbols, remotables and promises.
func (d *decoder) special(raw string) (any, error) {
	if !startsSpecial(raw) {
		return raw, nil
	}
	switch raw[0] {
	case '!':
		return raw[1:], nil
	case '#':
		switch raw {
		case "#undefined":
			return Undefined{}, nil
		case "#NaN":
			return math.NaN(), nil
		case "#Infinity":
			return math.Inf(1), nil
		case "#-Infinity":
			return math.Inf(-1), nil
		}
		return nil, fmt.Errorf("unknown constant %q", raw)
	case '%':
		name := raw[1:]
		if err := checkSymbolName(name); err != nil {
			return nil, err
		}
		return Symbol{Name: name}, nil
	case '+', '-':
		return parseBigint(raw)
	case '$', '&':
		return d.ref(raw)
	}
	return nil, fmt.Errorf("prefix %q is reserved: %q", raw[0], raw)
}

// parseBigint reads "+digits" or "-digits".
func parseBigint(raw string) (any, error) {
	digits := raw[1:]
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return nil, fmt.Errorf("invalid bigint %q", raw)
	}
	n, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return nil, fmt.Errorf("invalid bigint %q", raw)
	}
	if raw[0] == '-' {
		n.Neg(n)
	}
	return n, nil
}

// ref reads "$N", "$N.iface" or "&N" and returns the Ref for slots[N].
func (d *decoder) ref(raw string) (any, error) {
	promise := raw[0] == '&'
	num, iface, hasIface := strings.Cut(raw[1:], ".")
	if num == "" || len(num) > 9 || strings.TrimLeft(num, "0123456789") != "" {
		return nil, fmt.Errorf("invalid slot reference %q", raw)
	}
	idx, err := strconv.Atoi(num)
	if err != nil || idx >= len(d.slots) {
		return nil, fmt.Errorf("slot reference %q is out of range (%d slots)", raw, len(d.slots))
	}
	slot := d.slots[idx]
	if slot == "" {
		return nil, fmt.Errorf("slot %d is empty", idx)
	}
	if promise != isPromiseSlot(slot) {
		if promise {
			return nil, fmt.Errorf("%q marks slot %d as a promise, but %q is not a promise", raw, idx, slot)
		}
		return nil, fmt.Errorf("%q marks slot %d as a remotable, but %q is a promise", raw, idx, slot)
	}
	if d.refs == nil {
		d.refs = make([]Ref, len(d.slots))
	}
	if r := d.refs[idx]; r.Kref != "" {
		return r, nil
	}
	r := Ref{Kref: slot}
	if hasIface && !promise {
		r.Iface = iface
	}
	d.refs[idx] = r
	return r, nil
}

// kindOf names a decoded value's JavaScript kind for error messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case Undefined:
		return "undefined"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case *big.Int:
		return "a bigint"
	case string:
		return "a string"
	case Symbol:
		return "a symbol"
	case []any:
		return "an array"
	case Ref:
		return "a remotable or promise"
	case Tagged:
		return "a tagged value"
	case *Error:
		return "an error"
	}
	return "a record"
}

// extraKeys lists the keys of m other than the allowed ones, for messages.
func extraKeys(m map[string]any, allowed ...string) string {
	var extra []string
	for k := range m {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			extra = append(extra, strconv.Quote(k))
		}
	}
	slices.Sort(extra)
	return "[" + strings.Join(extra, ", ") + "]"
}
