package liveslots

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// SetVatstoreReader lets the vat read a vatstore bigger than what StartVat
// carries: read asks the kernel for entries the worker does not hold (see
// workerpb.VatstoreRead) and blocks until it answers. Without it, a
// StartVat with a partial vatstore fails. Call it before StartVat.
func (v *Vat) SetVatstoreReader(read func(*workerpb.VatstoreRead) (*workerpb.VatstoreReadResult, error)) {
	v.store.read = func(req *workerpb.VatstoreRead) (*workerpb.VatstoreReadResult, error) {
		// A read outside a delivery (a timer callback) is answered in
		// the crank the kernel runs for it.
		if !v.inDelivery && v.wantCrank != nil {
			v.wantCrank()
		}
		return read(req)
	}
}

// maxCached bounds the entries the worker keeps in memory once its
// vatstore is bigger than StartVat carried: a vat with a million entries
// stays small, and reads what it needs again.
const maxCached = 20000

// vatstore is the worker's view of its vat's vatstore. The vat is the
// only writer, so what the worker read or wrote stays true for the life
// of the worker: the cache never goes stale. When complete, the cache
// holds every key; otherwise a miss asks the kernel, which knows every
// write of earlier deliveries but not those of the delivery in progress:
// dirty holds those, and scans merge them in.
type vatstore struct {
	read     func(*workerpb.VatstoreRead) (*workerpb.VatstoreReadResult, error)
	complete bool
	cache    map[string]cachedValue
	dirty    map[string]struct{}
	sorted   []string // complete: the present keys in order; nil when stale
}

type cachedValue struct {
	value string
	ok    bool
}

type vatstoreEntry struct{ key, value string }

func newVatstore() *vatstore {
	return &vatstore{cache: map[string]cachedValue{}, dirty: map[string]struct{}{}}
}

// load takes what StartVat carried.
func (s *vatstore) load(entries []*workerpb.VatstoreEntry, partial bool) error {
	if partial && s.read == nil {
		return errors.New("liveslots: StartVat carries part of the vatstore, and this runtime cannot read the rest")
	}
	s.complete = !partial
	for _, e := range entries {
		s.cache[e.GetKey()] = cachedValue{e.GetValue(), true}
	}
	s.sorted = nil
	return nil
}

func (s *vatstore) get(key string) (string, bool, error) {
	if c, ok := s.cache[key]; ok {
		return c.value, c.ok, nil
	}
	if s.complete {
		return "", false, nil
	}
	res, err := s.ask(&workerpb.VatstoreRead{Keys: []string{key}})
	if err != nil {
		return "", false, err
	}
	if len(res.GetValues()) != 1 {
		return "", false, fmt.Errorf("vatstore read of %q: the kernel answered %d values", key, len(res.GetValues()))
	}
	v := res.GetValues()[0]
	s.cache[key] = cachedValue{v.GetValue(), v.GetFound()}
	return v.GetValue(), v.GetFound(), nil
}

func (s *vatstore) ask(req *workerpb.VatstoreRead) (*workerpb.VatstoreReadResult, error) {
	res, err := s.read(req)
	if err != nil {
		return nil, fmt.Errorf("vatstore read: %w", err)
	}
	if res.GetError() != "" {
		return nil, fmt.Errorf("vatstore read: %s", res.GetError())
	}
	return res, nil
}

func (s *vatstore) set(key, value string) {
	if c, ok := s.cache[key]; !ok || !c.ok {
		s.sorted = nil
	}
	s.cache[key] = cachedValue{value, true}
	s.dirty[key] = struct{}{}
}

func (s *vatstore) delete(key string) {
	if c, ok := s.cache[key]; !ok || c.ok {
		s.sorted = nil
	}
	s.cache[key] = cachedValue{"", false}
	s.dirty[key] = struct{}{}
}

// delivered: the kernel has every write so far (they went out in a
// delivery result), but those still held for the next one (held lists
// their syscalls). The cache may shrink now.
func (s *vatstore) delivered(held []*workerpb.Syscall) {
	clear(s.dirty)
	for _, sc := range held {
		switch k := sc.GetKind().(type) {
		case *workerpb.Syscall_VatstoreSet:
			s.dirty[k.VatstoreSet.GetKey()] = struct{}{}
		case *workerpb.Syscall_VatstoreDelete:
			s.dirty[k.VatstoreDelete] = struct{}{}
		}
	}
	if len(s.cache) <= maxCached || s.read == nil {
		return
	}
	// Past the bound, the cache stops being the whole vatstore and
	// drops what the kernel can give again.
	s.complete = false
	s.sorted = nil
	for key := range s.cache {
		if len(s.cache) <= maxCached*3/4 {
			break
		}
		if _, ok := s.dirty[key]; !ok {
			delete(s.cache, key)
		}
	}
}

// nextEntries lists up to limit entries whose keys start with prefix and
// sort after `after`, in key order; more says whether more may follow.
// It answers at least one entry unless none follows.
func (s *vatstore) nextEntries(prefix, after string, limit int) ([]vatstoreEntry, bool, error) {
	from := after
	if from < prefix {
		from = ""
	}
	if s.complete {
		out, more := s.nextCached(prefix, from, limit)
		return out, more, nil
	}
	for {
		out, last, more, err := s.nextFromKernel(prefix, from, limit)
		if err != nil || len(out) > 0 || !more {
			return out, more, err
		}
		from = last // everything the kernel gave was deleted here
	}
}

// nextFromKernel is one read of nextEntries: the kernel's entries after
// from, merged with the writes it has not seen; last is the last key the
// kernel gave.
func (s *vatstore) nextFromKernel(prefix, from string, limit int) (out []vatstoreEntry, last string, more bool, err error) {
	res, err := s.ask(&workerpb.VatstoreRead{ScanPrefix: prefix, ScanAfter: from, ScanLimit: uint32(limit)})
	if err != nil {
		return nil, "", false, err
	}
	merged := map[string]string{}
	for _, e := range res.GetEntries() {
		merged[e.GetKey()] = e.GetValue()
		last = e.GetKey()
	}
	more = res.GetMore()
	for key := range s.dirty {
		if !strings.HasPrefix(key, prefix) || key <= from || (more && key > last) {
			continue
		}
		if c := s.cache[key]; c.ok {
			merged[key] = c.value
		} else {
			delete(merged, key)
		}
	}
	out = make([]vatstoreEntry, 0, len(merged))
	for k, v := range merged {
		out = append(out, vatstoreEntry{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	if len(out) > limit {
		out, more = out[:limit], true
	}
	return out, last, more, nil
}

func (s *vatstore) nextCached(prefix, from string, limit int) ([]vatstoreEntry, bool) {
	if s.sorted == nil {
		s.sorted = []string{}
		for key, c := range s.cache {
			if c.ok {
				s.sorted = append(s.sorted, key)
			}
		}
		sort.Strings(s.sorted)
	}
	start := prefix
	if from >= prefix {
		start = from + "\x00"
	}
	i := sort.SearchStrings(s.sorted, start)
	var out []vatstoreEntry
	for ; i < len(s.sorted) && strings.HasPrefix(s.sorted[i], prefix); i++ {
		if len(out) == limit {
			return out, true
		}
		out = append(out, vatstoreEntry{s.sorted[i], s.cache[s.sorted[i]].value})
	}
	return out, false
}
