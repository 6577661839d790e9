package router

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ocapgo/ocap/store/driver"
)

// keeper is the only code that touches the store. Every kernel table lives in
// one ordered key space; a crank reads through its write buffer and the
// committed-value cache, and commits its buffer in one store transaction.
//
// The schema (every key the kernel writes):
//
//	kernel.nextKo, kernel.nextKp     next kref numbers
//	kernel.nextVat, kernel.nextSub   next vat / subcluster numbers
//	rq.head, rq.tail, rq.<n>         run queue: items n in [head, tail) as JSON
//	o.<ko>                           object owner: vat id, or "kernel" for services
//	o.<ko>.gone                      why the object no longer exists
//	o.<ko>.revoked                   "1" once revoked (permanent)
//	o.<ko>.iface                     interface name of a service or root
//	kp.<kp>                          promise record (JSON, see promiseRecord)
//	kp.<kp>.q.<n>                    messages queued on an unresolved promise
//	c.<vat>.<vref> / c.<vat>.<kref>  c-list, both directions
//	vat.<id>                         vat record (JSON, see vatRecord)
//	vat.<id>.next                    next import number for kernel-allocated vrefs
//	vs.<vat>.<key>                   the vat's vatstore (baggage lives here)
//	sc.<id>                          subcluster record (JSON, see subclusterRecord)
//	sys.<name>                       system subcluster id by name
//	bundle.<sha256>                  vat bundle script
//	svc.<name>                       kernel service kref
type keeper struct {
	st driver.Store
	// cache holds what the cranks so far wrote, durable or not yet: reads
	// never wait for a commit. A deleted key is a negative entry until its
	// deletion is durable.
	cache map[string]cached
	// complete means the cache holds every key of the store (see load): a
	// key missing from it does not exist, and no read reaches the store.
	complete bool
	buf      map[string]pending
	order    []string // buffered keys in first-write order (for a stable commit)

	// The commit pipeline: finished cranks' writes wait in queued, and go
	// to the store as one batch while the next crank runs. overlay maps each
	// written key to the last batch that writes it, so a scan (which reads
	// the store) sees writes that are not durable yet.
	queued    []driver.Write
	overlay   map[string]int
	nextBatch int  // the batch queued writes will go in
	inflight  bool // a batch is being committed
	done      chan batchResult
}

type batchResult struct {
	batch  int
	writes []driver.Write
	err    error
}

type cached struct {
	value string
	ok    bool
}

type pending struct {
	value string
	del   bool
}

func newKeeper(st driver.Store) *keeper {
	return &keeper{st: st, cache: map[string]cached{}, buf: map[string]pending{},
		overlay: map[string]int{}, nextBatch: 1, done: make(chan batchResult, 1)}
}

// get reads key as the current crank sees it. Store errors are returned as
// panics of type storeError, recovered at the crank boundary: a failing
// store aborts the whole crank, never half of it.
func (k *keeper) get(key string) (string, bool) {
	if p, ok := k.buf[key]; ok {
		return p.value, !p.del
	}
	if c, ok := k.cache[key]; ok {
		return c.value, c.ok
	}
	if k.complete {
		return "", false
	}
	v, ok, err := k.st.Get(context.Background(), key)
	if err != nil {
		panic(storeError{fmt.Errorf("reading %s: %w", key, err)})
	}
	k.cache[key] = cached{v, ok}
	return v, ok
}

func (k *keeper) has(key string) bool {
	_, ok := k.get(key)
	return ok
}

func (k *keeper) set(key, value string) {
	if _, ok := k.buf[key]; !ok {
		k.order = append(k.order, key)
	}
	k.buf[key] = pending{value: value}
}

func (k *keeper) del(key string) {
	if _, ok := k.buf[key]; !ok {
		k.order = append(k.order, key)
	}
	k.buf[key] = pending{del: true}
}

func (k *keeper) getInt(key string) int64 {
	v, ok := k.get(key)
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		panic(storeError{fmt.Errorf("key %s holds %q, not a number", key, v)})
	}
	return n
}

func (k *keeper) setInt(key string, n int64) { k.set(key, strconv.FormatInt(n, 10)) }

// next returns the counter at key and advances it.
func (k *keeper) next(key string) int64 {
	n := k.getInt(key)
	if n == 0 {
		n = 1
	}
	k.setInt(key, n+1)
	return n
}

// scan returns the keys with prefix as this crank sees them, sorted.
func (k *keeper) scan(prefix string) []kv {
	seen := map[string]string{}
	err := k.st.Scan(context.Background(), prefix, func(key, value string) error {
		seen[key] = value
		return nil
	})
	if err != nil {
		panic(storeError{fmt.Errorf("scanning %s: %w", prefix, err)})
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

// delPrefix deletes every key with prefix.
func (k *keeper) delPrefix(prefix string) {
	for _, e := range k.scan(prefix) {
		k.del(e.key)
	}
}

type kv struct{ key, value string }

// seal ends a crank: its writes join the queue for the next batch, and
// reads see them at once.
func (k *keeper) seal() {
	for _, key := range k.order {
		p := k.buf[key]
		k.queued = append(k.queued, driver.Write{Key: key, Value: p.value, Delete: p.del})
		k.cache[key] = cached{p.value, !p.del}
		k.overlay[key] = k.nextBatch
	}
	k.reset()
}

// pending reports whether sealed writes are not durable yet.
func (k *keeper) pending() bool { return k.inflight || len(k.queued) > 0 }

// startBatch hands the queued writes to the store in one transaction, on a
// goroutine of its own; the result arrives on done. One batch at a time.
func (k *keeper) startBatch() bool {
	if k.inflight || len(k.queued) == 0 {
		return false
	}
	batch, writes := k.nextBatch, k.queued
	k.nextBatch++
	k.queued = nil
	k.inflight = true
	go func() {
		// Not the router's context: a stopping kernel still finishes the
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
			k.done <- batchResult{batch, writes, err}
		}()
		err = k.st.Commit(ctx, writes)
	}()
	return true
}

// finish records a batch as durable.
func (k *keeper) finish(res batchResult) {
	k.inflight = false
	for _, w := range res.writes {
		if k.overlay[w.Key] != res.batch {
			continue // written again by a later batch
		}
		delete(k.overlay, w.Key)
		if w.Delete {
			// Deleted keys are rarely read again (popped queue items,
			// retired c-list entries): keep the cache from growing with them.
			delete(k.cache, w.Key)
		}
	}
}

// abort drops the buffer: the crank never happened.
func (k *keeper) abort() { k.reset() }

func (k *keeper) reset() {
	clear(k.buf)
	k.order = k.order[:0]
}

// forget empties the read cache (after Wipe: the store is empty too).
func (k *keeper) forget() { clear(k.cache) }

// load reads the whole store into the cache, once, at start: from then on
// a crank never waits for a read, only for its commit. The kernel's tables
// are small next to the memory of the workers they describe.
func (k *keeper) load(ctx context.Context) error {
	err := k.st.Scan(ctx, "", func(key, value string) error {
		if _, ok := k.cache[key]; !ok { // what the cache holds is as new or newer
			k.cache[key] = cached{value, true}
		}
		return nil
	})
	if err != nil {
		clear(k.cache)
		return fmt.Errorf("loading kernel state: %w", err)
	}
	k.complete = true
	return nil
}

type storeError struct{ err error }

func (e storeError) Error() string { return e.err.Error() }
func (e storeError) Unwrap() error { return e.err }
