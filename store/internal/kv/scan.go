// Package kv holds what both store drivers need and the contract in
// store/driver leaves to them: the key range a prefix covers, paged scans,
// and errors that match the contract's sentinels.
package kv

// Pair is one key and its value.
type Pair struct {
	Key, Value string
}

// PageSize is how many rows a driver reads per query during a Scan.
const PageSize = 512

// PrefixEnd returns the smallest key greater than every key that starts with
// prefix, so that a prefix scan is the index range [prefix, end). bounded is
// false when no such key exists (an empty prefix, or one of only 0xff
// bytes): the range then has no upper end.
//
// The end is computed on bytes, not characters: trailing 0xff bytes are
// dropped and the last remaining byte is incremented ("v1.c." gives "v1.c/").
// The result may be invalid UTF-8; both drivers compare keys as raw bytes, so
// that is fine.
func PrefixEnd(prefix string) (end string, bounded bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// After returns the smallest key greater than key in byte order.
func After(key string) string {
	return key + "\x00"
}

// Page reads at most limit pairs with keys in [from, end), or [from, ∞) when
// bounded is false, in byte order of the keys.
type Page func(from, end string, bounded bool, limit int) ([]Pair, error)

// Scan calls fn for every key starting with prefix, in byte order, reading
// PageSize rows at a time through page.
//
// Reading in pages, and calling fn only between reads, means no query is
// open while fn runs: fn may read or write the store itself (a SQLite store
// has a single connection, which an open query would hold), and a scan of a
// large table does not hold it in memory at once. The price: pages are
// separate reads, so a Commit made during the scan (by fn or anyone) may or
// may not show in the pages after it. An error from fn stops the scan and is
// returned as it is.
func Scan(prefix string, page Page, fn func(key, value string) error) error {
	return ScanFrom(prefix, prefix, page, fn)
}

// ScanFrom is Scan starting at the first key >= from: a reader of a long
// range goes on where it stopped without reading the start again.
func ScanFrom(prefix, from string, page Page, fn func(key, value string) error) error {
	end, bounded := PrefixEnd(prefix)
	if from < prefix {
		from = prefix
	}
	for {
		pairs, err := page(from, end, bounded, PageSize)
		if err != nil {
			return err
		}
		for _, p := range pairs {
			if err := fn(p.Key, p.Value); err != nil {
				return err
			}
		}
		if len(pairs) < PageSize {
			return nil
		}
		from = After(pairs[len(pairs)-1].Key)
	}
}
