package marshal

import (
	"errors"
	"strconv"
	"strings"
)

// pathError places an encoding failure inside the value, so a caller
// marshalling a large argument list learns which element was unpassable:
// "cannot marshal func() at [1].x".
type pathError struct {
	// segments are stored innermost first, as the failure unwinds.
	segments []string
	err      error
}

func (p *pathError) Error() string {
	var b strings.Builder
	b.WriteString(p.err.Error())
	b.WriteString(" at ")
	for i := len(p.segments) - 1; i >= 0; i-- {
		b.WriteString(p.segments[i])
	}
	return b.String()
}

func (p *pathError) Unwrap() error { return p.err }

func atIndex(err error, i int) error {
	return within(err, "["+strconv.Itoa(i)+"]")
}

func atKey(err error, k string) error {
	if isIdentifier(k) {
		return within(err, "."+k)
	}
	return within(err, "["+strconv.Quote(k)+"]")
}

func within(err error, segment string) error {
	var p *pathError
	if errors.As(err, &p) {
		p.segments = append(p.segments, segment)
		return p
	}
	return &pathError{segments: []string{segment}, err: err}
}

// isIdentifier reports whether k can follow a '.' in a path readably.
func isIdentifier(k string) bool {
	if k == "" {
		return false
	}
	for i, c := range []byte(k) {
		letter := c == '_' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
