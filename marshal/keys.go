package marshal

import (
	"cmp"
	"unicode/utf8"
)

// Record keys must come out in the order @endo/marshal writes them. It sorts
// the keys with JavaScript's default sort (UTF-16 code unit order), builds an
// object from them and lets JSON.stringify list that object's keys; a
// JavaScript object lists its array-index keys ("0" to "4294967294", no
// leading zeros) first, by numeric value, and the other keys in insertion
// order. So: array indices first, numerically, then the rest in UTF-16 order.

// compareKeys orders two record keys as described above.
func compareKeys(a, b string) int {
	ai, aIdx := arrayIndex(a)
	bi, bIdx := arrayIndex(b)
	switch {
	case aIdx && bIdx:
		return cmp.Compare(ai, bi)
	case aIdx:
		return -1
	case bIdx:
		return 1
	}
	return compareUTF16(a, b)
}

// arrayIndex reports whether k is the canonical decimal form of an integer in
// [0, 2**32-2], which JavaScript treats as an array index.
func arrayIndex(k string) (uint64, bool) {
	if len(k) == 0 || len(k) > 10 || (k[0] == '0' && len(k) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, n <= 4294967294
}

// compareUTF16 compares two strings by their UTF-16 code units, the way
// JavaScript compares strings. It equals byte order except where a character
// beyond U+FFFF meets one in U+E000..U+FFFF.
func compareUTF16(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return cmp.Compare(len(a), len(b))
	}
	if a[i] < utf8.RuneSelf && b[i] < utf8.RuneSelf {
		return cmp.Compare(a[i], b[i])
	}
	// Back up to the start of the character holding the first difference;
	// the prefix is shared, so both strings have a character start there.
	for i > 0 && a[i]&0xC0 == 0x80 {
		i--
	}
	ua, ub := utf16Units(a[i:]), utf16Units(b[i:])
	for k := 0; k < len(ua) && k < len(ub); k++ {
		if ua[k] != ub[k] {
			return cmp.Compare(ua[k], ub[k])
		}
	}
	return cmp.Compare(len(ua), len(ub))
}

// utf16Units converts s to UTF-16 code units, reading WTF-8 surrogates as
// themselves and stray bytes as U+FFFD (as appendString writes them).
func utf16Units(s string) []uint16 {
	u := make([]uint16, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			if su, ok := surrogateAt(s, i); ok {
				u = append(u, su)
				i += 3
				continue
			}
		}
		if r >= 0x10000 {
			r -= 0x10000
			u = append(u, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
		} else {
			u = append(u, uint16(r))
		}
		i += size
	}
	return u
}
