package keeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ocapgo/ocap/store/driver"
)

// Keeper holds the kernel's tables for the crank loop. It is not safe for
// concurrent use: one goroutine (the loop) calls it.
//
// A crank's reads see its own writes, then what earlier cranks wrote
// (durable or not yet), then the store. Seal ends a crank: its writes queue
// for the next commit batch, which goes to the store on a goroutine of its
// own while the next crank runs (StartBatch, Done, Finish).
type Keeper struct {
	st driver.Store
	// cache holds what the cranks so far wrote, durable or not yet: reads
	// never wait for a commit. A deleted key is a negative entry until its
	// deletion is durable.
	cache map[string]cached
	// complete means the cache holds every key of the store but the
	// vatstores' (see Load): such a key missing from it does not exist,
	// and no read of it reaches the store.
	complete bool
	buf      map[string]pending
	order    []string // buffered keys in first-write order (for a stable commit)
	// maybeFree holds the krefs whose counts fell to zero during the
	// crank (see refcounts.go).
	maybeFree map[string]bool
	stats     Stats
	// clistSize counts each vat's c-list entries as sealed (from Load on),
	// clistDelta the crank's changes to it.
	clistSize, clistDelta map[string]int
	// Decodings of promise records and run queue items (memo.go).
	promises *memo[Promise]
	runItems *memo[RunItem]

	// The commit pipeline: sealed cranks' writes wait in queued, and go to
	// the store as one batch while the next crank runs. overlay maps each
	// written key to the last batch that writes it, so a scan (which reads
	// the store) sees writes that are not durable yet.
	queued  []driver.Write
	overlay map[string]int
	// The largest cache and overlay since they were last compacted.
	cachePeak, overlayPeak int
	nextBatch              int  // the batch queued writes will go in
	inflight               bool // a batch is being committed
	done                   chan BatchResult
}

// BatchResult is a finished commit batch, handed back to Finish.
type BatchResult struct {
	batch  int
	writes []driver.Write
	// Err is the store's refusal, if it refused.
	Err error
}

type cached struct {
	value string
	ok    bool
}

type pending struct {
	value string
	del   bool
}

// New returns a Keeper over st.
func New(st driver.Store) *Keeper {
	return &Keeper{st: st, cache: map[string]cached{}, buf: map[string]pending{}, clistSize: map[string]int{}, clistDelta: map[string]int{},
		overlay: map[string]int{}, promises: newMemo((*Promise).clone), runItems: newMemo((*RunItem).clone), nextBatch: 1, done: make(chan BatchResult, 1)}
}

// StoreError is a store read that failed, or a record that does not
// decode. Keeper methods panic with it, and the crank boundary recovers it:
// a failing store aborts the whole crank, never half of it.
type StoreError struct{ Err error }

func (e StoreError) Error() string { return e.Err.Error() }
func (e StoreError) Unwrap() error { return e.Err }

func (k *Keeper) get(key string) (string, bool) {
	if p, ok := k.buf[key]; ok {
		return p.value, !p.del
	}
	if c, ok := k.cache[key]; ok {
		return c.value, c.ok
	}
	vatstore := isVatstoreKey(key)
	if k.complete && !vatstore {
		return "", false
	}
	v, ok, err := k.st.Get(context.Background(), key)
	if err != nil {
		panic(StoreError{fmt.Errorf("reading %s: %w", key, err)})
	}
	if !vatstore { // a vatstore's reader, its worker, caches what it reads
		k.cache[key] = cached{v, ok}
	}
	return v, ok
}

func (k *Keeper) has(key string) bool {
	_, ok := k.get(key)
	return ok
}

func (k *Keeper) set(key, value string) {
	if _, ok := k.buf[key]; !ok {
		k.order = append(k.order, key)
	}
	k.buf[key] = pending{value: value}
}

func (k *Keeper) del(key string) {
	if _, ok := k.buf[key]; !ok {
		k.order = append(k.order, key)
	}
	k.buf[key] = pending{del: true}
}

func (k *Keeper) getInt(key string) int64 {
	v, ok := k.get(key)
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		panic(StoreError{fmt.Errorf("key %s holds %q, not a number", key, v)})
	}
	return n
}

func (k *Keeper) setInt(key string, n int64) { k.set(key, strconv.FormatInt(n, 10)) }

// next returns the counter at key and advances it; counters start at 1.
func (k *Keeper) next(key string) int64 {
	n := k.getInt(key)
	if n == 0 {
		n = 1
	}
	k.setInt(key, n+1)
	return n
}

func (k *Keeper) getJSON(key string, v any) bool {
	s, ok := k.get(key)
	if ok {
		decodeJSON(key, s, v)
	}
	return ok
}

// setJSON writes v at key and returns the text written.
func (k *Keeper) setJSON(key string, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(StoreError{fmt.Errorf("encoding %s: %w", key, err)})
	}
	k.set(key, string(b))
	return string(b)
}

// decodeJSON decodes raw, the record at key, into v.
func decodeJSON(key, raw string, v any) {
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		panic(StoreError{fmt.Errorf("key %s holds malformed JSON: %w", key, err)})
	}
}

type kv struct{ key, value string }

// scan returns the keys with prefix as this crank sees them, sorted.
func (k *Keeper) scan(prefix string) []kv {
	seen := map[string]string{}
	err := k.st.Scan(context.Background(), prefix, func(key, value string) error {
		seen[key] = value
		return nil
	})
	if err != nil {
		panic(StoreError{fmt.Errorf("scanning %s: %w", prefix, err)})
	}
	for key := range k.overlay {
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		if c := k.cache[key]; c.ok {
			seen[key] = c.value
		} else {
			delete(seen, key)
		}
	}
	for key, p := range k.buf {
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		if p.del {
			delete(seen, key)
		} else {
			seen[key] = p.value
		}
	}
	out := make([]kv, 0, len(seen))
	for key, v := range seen {
		out = append(out, kv{key, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// vatstorePrefix starts every key of every vatstore (see vats.go).
const vatstorePrefix = "vs."

// vatstoresEnd is the first key after every vatstore's.
const vatstoresEnd = "vs/"

func isVatstoreKey(key string) bool { return strings.HasPrefix(key, vatstorePrefix) }

// errEnough stops a store scan that has read what it needs.
var errEnough = errors.New("enough")

// scanRange returns up to limit keys with prefix, >= from, as this crank
// sees them, sorted; more says that keys may follow the last one. It
// reads the store only as far as it needs.
func (k *Keeper) scanRange(prefix, from string, limit int) (out []kv, more bool) {
	// shadow: what the cranks since the last commit did to a key, which
	// the store does not show yet; ok false for a deletion.
	shadow := func(key string) (cached, bool) {
		if p, ok := k.buf[key]; ok {
			return cached{p.value, !p.del}, true
		}
		if _, ok := k.overlay[key]; ok {
			return k.cache[key], true
		}
		return cached{}, false
	}
	exhausted := true
	seen := map[string]string{}
	fn := func(key, value string) error {
		if key < from {
			return nil
		}
		if len(seen) == limit {
			exhausted = false
			return errEnough
		}
		if c, ok := shadow(key); ok {
			if !c.ok {
				return nil
			}
			value = c.value
		}
		seen[key] = value
		return nil
	}
	ctx := context.Background()
	var err error
	if rs, ok := k.st.(driver.RangeScanner); ok {
		err = rs.ScanFrom(ctx, prefix, from, fn)
	} else {
		err = k.st.Scan(ctx, prefix, fn)
	}
	if err != nil && !errors.Is(err, errEnough) {
		panic(StoreError{fmt.Errorf("scanning %s from %q: %w", prefix, from, err)})
	}
	last := ""
	for key := range seen {
		last = max(last, key)
	}
	// Keys written since the last commit, in the range the store answered.
	inRange := func(key string) bool {
		return strings.HasPrefix(key, prefix) && key >= from && (exhausted || key <= last)
	}
	for key := range k.overlay {
		if c, _ := shadow(key); inRange(key) && c.ok {
			seen[key] = c.value
		}
	}
	for key, p := range k.buf {
		if inRange(key) && !p.del {
			seen[key] = p.value
		}
	}
	out = make([]kv, 0, len(seen))
	for key, v := range seen {
		out = append(out, kv{key, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	more = !exhausted
	if len(out) > limit {
		out, more = out[:limit], true
	}
	return out, more
}

// delPrefix deletes every key with prefix.
func (k *Keeper) delPrefix(prefix string) {
	for _, e := range k.scan(prefix) {
		k.del(e.key)
	}
}

// Seal ends a crank: its writes join the queue for the next batch, and
// reads see them at once.
func (k *Keeper) Seal() {
	for _, key := range k.order {
		p := k.buf[key]
		if k.complete {
			prev, ok := k.cache[key]
			k.countWrite(key, ok && prev.ok, !p.del)
		}
		k.queued = append(k.queued, driver.Write{Key: key, Value: p.value, Delete: p.del})
		k.cache[key] = cached{p.value, !p.del}
		k.overlay[key] = k.nextBatch
	}
	k.reset()
}

// Abort drops the crank's writes: the crank never happened.
func (k *Keeper) Abort() { k.reset() }

func (k *Keeper) reset() {
	k.buf = emptied(k.buf)
	k.maybeFree = emptied(k.maybeFree)
	clear(k.clistDelta)
	k.order = k.order[:0]
}

// Pending reports whether sealed writes are not durable yet.
func (k *Keeper) Pending() bool { return k.inflight || len(k.queued) > 0 }

// StartBatch hands the queued writes to the store in one transaction, on a
// goroutine of its own; the result arrives on Done. One batch at a time: it
// reports false when a batch is in flight or nothing is queued.
func (k *Keeper) StartBatch() bool {
	if k.inflight || len(k.queued) == 0 {
		return false
	}
	batch, writes := k.nextBatch, k.queued
	k.nextBatch++
	k.queued = nil
	k.inflight = true
	go func() {
		// Not the kernel's context: a stopping kernel still finishes the
		// batch it started.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var err error
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("the store driver panicked: %v", p)
			}
			if err != nil {
				err = fmt.Errorf("committing cranks: %w", err)
			}
			k.done <- BatchResult{batch, writes, err}
		}()
		err = k.st.Commit(ctx, writes)
	}()
	return true
}

// Done delivers the result of the batch in flight.
func (k *Keeper) Done() <-chan BatchResult { return k.done }

// Finish records a batch as durable (or refused: then res.Err is set, and
// the kernel must stop, as its memory no longer matches the store).
func (k *Keeper) Finish(res BatchResult) {
	k.inflight = false
	k.cachePeak = max(k.cachePeak, len(k.cache))
	k.overlayPeak = max(k.overlayPeak, len(k.overlay))
	defer func() {
		k.cache = compact(k.cache, &k.cachePeak)
		k.overlay = compact(k.overlay, &k.overlayPeak)
	}()
	for _, w := range res.writes {
		if k.overlay[w.Key] != res.batch {
			continue // written again by a later batch, or seen already
		}
		delete(k.overlay, w.Key)
		// The cache holds the batch's last write of the key (a key may be
		// written, then deleted, by cranks of one batch). Deleted keys are
		// rarely read again (popped queue items, retired promises), and
		// vatstores are their workers' to cache: keep the cache from
		// growing with them.
		if c := k.cache[w.Key]; !c.ok || isVatstoreKey(w.Key) {
			delete(k.cache, w.Key)
		}
	}
}

// Load reads the whole store but the vatstores into memory, once, at
// start: from then on a crank never waits for a read, only for its
// commit, except a vat's read of its vatstore. The kernel's tables are
// small next to the memory of the workers they describe; a vatstore may
// not be (a vat's big stores live there), so it stays in the store, read
// when its vat asks, and start-up does not depend on its size.
func (k *Keeper) Load(ctx context.Context) error {
	var added []string
	load := func(key, value string) error {
		if isVatstoreKey(key) {
			return nil
		}
		if _, ok := k.cache[key]; !ok { // what the cache holds is as new or newer
			k.cache[key] = cached{value, true}
			added = append(added, key)
		}
		return nil
	}
	var err error
	if rs, ok := k.st.(driver.RangeScanner); ok {
		// Around the vatstores, not through them.
		err = rs.ScanFrom(ctx, "", "", func(key, value string) error {
			if isVatstoreKey(key) {
				return errEnough
			}
			return load(key, value)
		})
		if errors.Is(err, errEnough) {
			err = rs.ScanFrom(ctx, "", vatstoresEnd, load)
		}
	} else {
		err = k.st.Scan(ctx, "", load)
	}
	if err != nil {
		// Leave the keeper as it was. Not clear(k.cache): it also holds
		// sealed writes that are not durable yet, and reads would fall
		// through to the older values in the store.
		for _, key := range added {
			delete(k.cache, key)
		}
		return fmt.Errorf("loading kernel state: %w", err)
	}
	k.complete = true
	k.countAll()
	return nil
}

// Wipe deletes every key of the store at once (Reset). Every sealed crank
// must be durable first.
func (k *Keeper) Wipe(ctx context.Context) error {
	if k.Pending() {
		return fmt.Errorf("wiping the store: cranks are still being committed")
	}
	if err := k.st.Wipe(ctx); err != nil {
		return fmt.Errorf("wiping the store: %w", err)
	}
	clear(k.cache)
	clear(k.overlay)
	k.countAll()
	return nil
}

// compactFloor is the size below which a map is never rebuilt.
const compactFloor = 4096

// compact returns m, or a copy sized to its contents once it holds a
// quarter of its peak or less. Go maps keep the buckets of their largest
// size: without this, one burst (a crank writing 100,000 keys, a
// subcluster of many objects terminated) would hold its memory for the
// life of the kernel.
func compact[K comparable, V any](m map[K]V, peak *int) map[K]V {
	if *peak < compactFloor || len(m) > *peak/4 {
		return m
	}
	out := make(map[K]V, len(m))
	for key, v := range m {
		out[key] = v
	}
	*peak = len(out)
	return out
}

// emptied clears a per-crank map, or replaces a large one (see compact).
func emptied[K comparable, V any](m map[K]V) map[K]V {
	if len(m) > compactFloor {
		return make(map[K]V)
	}
	clear(m)
	return m
}
