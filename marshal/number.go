package marshal

import (
	"math"
	"strconv"
)

// appendNumber writes f as smallcaps writes a JavaScript number: NaN and the
// infinities as the strings "#NaN", "#Infinity", "#-Infinity" (JSON has no
// spelling for them), -0 as 0 (@endo/marshal replaces it), and every other
// value exactly as JSON.stringify prints it.
func appendNumber(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"#NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"#Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"#-Infinity"`...)
	case f == 0:
		return append(b, '0')
	}
	return appendJSNumber(b, f)
}

// appendJSNumber prints a finite float64 like JavaScript's Number::toString:
// the shortest digits that read back as the same value, in plain notation for
// magnitudes in [1e-6, 1e21) and in exponent notation ("1e+21", "1.5e-7")
// outside it. Go's shortest formatting produces the same digits; only the
// exponent needs its leading zero removed ("e-07" → "e-7").
func appendJSNumber(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs < 1e-6 || abs >= 1e21 {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// maxExactInt is 2**53: every integer of smaller magnitude is exact in a
// float64.
const maxExactInt = 1 << 53

// intToFloat converts an integer for sending, refusing one that a float64
// (and so a JavaScript number) would round.
func intToFloat(i int64) (float64, bool) {
	if i >= -maxExactInt && i <= maxExactInt {
		return float64(i), true
	}
	f := float64(i)
	// float64(i) rounds to a power-of-two multiple; it is exact only if it
	// converts back unchanged. 2**63 itself is out of int64 range.
	if f >= math.MaxInt64 || f < math.MinInt64 {
		return f, false
	}
	return f, int64(f) == i
}

// uintToFloat is intToFloat for unsigned integers.
func uintToFloat(u uint64) (float64, bool) {
	f := float64(u)
	if u <= maxExactInt {
		return f, true
	}
	if f >= math.MaxUint64 {
		return f, false
	}
	return f, uint64(f) == u
}

// float32ToFloat returns the float64 whose shortest decimal form is the
// float32's shortest form, so float32(0.1) is sent as 0.1 rather than
// 0.10000000149011612; this is what encoding/json does as well.
func float32ToFloat(f float32) float64 {
	g := float64(f)
	if math.IsNaN(g) || math.IsInf(g, 0) {
		return g
	}
	parsed, err := strconv.ParseFloat(strconv.FormatFloat(g, 'g', -1, 32), 64)
	if err != nil {
		return g
	}
	return parsed
}
