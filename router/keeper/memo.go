package keeper

// memo keeps the last decoding of records by key, used while the record's
// text is unchanged: decoding the same promise records and run queue items
// at every step of their life was most of a crank's own time. A rewritten
// record, or one whose crank was aborted, has other text, so a stale
// decoding is never used. Callers get deep copies (clone): they may change
// what they are given.
type memo[T any] struct {
	entries map[string]memoEntry[T]
	clone   func(*T) T
}

type memoEntry[T any] struct {
	raw string
	v   T
}

// maxMemo bounds a memo: it serves the records of the cranks in progress,
// not every record alive.
const maxMemo = 1024

func newMemo[T any](clone func(*T) T) *memo[T] {
	return &memo[T]{entries: map[string]memoEntry[T]{}, clone: clone}
}

// decode returns the record at key, whose text is raw.
func (m *memo[T]) decode(key, raw string) T {
	if e, ok := m.entries[key]; ok && e.raw == raw {
		return m.clone(&e.v)
	}
	var v T
	decodeJSON(key, raw, &v)
	m.remember(key, raw, &v)
	return v
}

// remember records v as the decoding of raw, the record at key.
func (m *memo[T]) remember(key, raw string, v *T) {
	if len(m.entries) >= maxMemo {
		clear(m.entries)
	}
	m.entries[key] = memoEntry[T]{raw, m.clone(v)}
}

// forget drops key's entry, once its record is deleted.
func (m *memo[T]) forget(key string) { delete(m.entries, key) }
