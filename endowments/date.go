package endowments

import (
	"math"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// date.go: an attenuated Date. Clock reads (Date.now(), new Date(),
// Date()) see the host clock in whole milliseconds plus up to 1 ms of
// random jitter, never going backwards: the sub-millisecond timing a
// side channel would need does not leak, and a wall clock stepped back
// does not make a vat's time run backwards. Dates built from a given time
// are ordinary.

func makeDate(e *env) (map[string]goja.Value, error) {
	c := &jitterClock{rand: newRandomSource()}
	e.set("host_now", c.now)
	return e.exports("date", "Date"), nil
}

type jitterClock struct {
	mu   sync.Mutex
	last float64
	rand *randomSource
}

// now is milliseconds since the epoch: the clock's microseconds plus a
// uniform [0, 1) ms, floored, and clamped to the last answer.
func (c *jitterClock) now() float64 {
	t := math.Floor(float64(time.Now().UnixMicro())/1000 + c.rand.float())
	c.mu.Lock()
	defer c.mu.Unlock()
	if t < c.last {
		t = c.last
	}
	c.last = t
	return t
}
