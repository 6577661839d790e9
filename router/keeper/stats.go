package keeper

import (
	"strings"
	"sync/atomic"
)

// Stats are the sizes of the tables garbage collection keeps bounded, as
// of the last sealed crank. Other goroutines read them (metrics scrapes)
// without waiting for the crank loop.
type Stats struct {
	Objects, Promises, CListEntries atomic.Int64
}

// Stats returns the keeper's table sizes; they are counted from Load on.
func (k *Keeper) Stats() *Stats { return &k.stats }

// statOf returns the counter a key adds one to, if any: an object's
// record, a promise's record, or the kref→vref half of a c-list entry.
func (k *Keeper) statOf(key string) *atomic.Int64 {
	switch {
	case strings.HasPrefix(key, "o.") && strings.Count(key, ".") == 1:
		return &k.stats.Objects
	case strings.HasPrefix(key, "kp.") && strings.Count(key, ".") == 1:
		return &k.stats.Promises
	case strings.HasPrefix(key, "c.") && strings.Contains(key, ".k"):
		return &k.stats.CListEntries
	}
	return nil
}

// countWrite updates the stats for a sealed write of key, given whether
// it existed before.
func (k *Keeper) countWrite(key string, existed, exists bool) {
	if existed == exists || !k.complete {
		return
	}
	if s := k.statOf(key); s != nil {
		n := int64(-1)
		if exists {
			n = 1
		}
		s.Add(n)
		if s == &k.stats.CListEntries {
			k.countCList(key, int(n))
		}
	}
}

// countCList adds n to the c-list size of the vat whose entry key is.
func (k *Keeper) countCList(key string, n int) {
	vat, _, _ := strings.Cut(strings.TrimPrefix(key, "c."), ".")
	if k.clistSize[vat] += n; k.clistSize[vat] <= 0 {
		delete(k.clistSize, vat)
	}
}

// CListSize is how many entries vat's c-list holds, the crank's writes
// included.
func (k *Keeper) CListSize(vat string) int { return k.clistSize[vat] + k.clistDelta[vat] }

// countAll sets the stats from the cache (after Load).
func (k *Keeper) countAll() {
	k.stats.Objects.Store(0)
	k.stats.Promises.Store(0)
	k.stats.CListEntries.Store(0)
	clear(k.clistSize)
	for key, c := range k.cache {
		if s := k.statOf(key); c.ok && s != nil {
			s.Add(1)
			if s == &k.stats.CListEntries {
				k.countCList(key, 1)
			}
		}
	}
}
