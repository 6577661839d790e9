package endowments

import (
	"crypto/rand"
	"encoding/binary"
	"sync"

	"github.com/dop251/goja"
)

// math.go: Math with a random() drawn from the operating system's
// cryptographic source instead of a seeded generator, so one vat's draws
// tell it nothing about another's, or about the host's.

func makeMath(e *env) (map[string]goja.Value, error) {
	r := newRandomSource()
	e.set("host_random", r.float)
	return e.exports("math", "Math"), nil
}

// randomSource hands out crypto/rand bytes from a buffer refilled 4 KiB at
// a time: one system call per 512 draws.
type randomSource struct {
	mu  sync.Mutex
	buf [4096]byte
	off int
}

func newRandomSource() *randomSource { return &randomSource{off: 4096} }

// float is uniform in [0, 1) with 53 random bits, like V8's.
func (r *randomSource) float() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.off+8 > len(r.buf) {
		// crypto/rand.Read never fails on supported platforms (it
		// panics inside the runtime if the OS source is broken).
		_, _ = rand.Read(r.buf[:])
		r.off = 0
	}
	u := binary.LittleEndian.Uint64(r.buf[r.off:])
	r.off += 8
	return float64(u>>11) / (1 << 53)
}
