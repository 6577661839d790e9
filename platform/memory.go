package platform

import (
	"fmt"
	"math"
	"strings"

	"github.com/ocapgo/ocap/internal/bytesize"
)

// DefaultMemoryLimit is a worker's memory cap unless the kernel or the vat
// sets another.
const DefaultMemoryLimit = 256 << 20

// MemoryLimitError is why a worker died when it ran out of its memory cap:
// the vat exceeded its memory limit.
type MemoryLimitError struct {
	Limit int64 // bytes
}

func (e *MemoryLimitError) Error() string {
	return fmt.Sprintf("vat exceeded its memory limit (%s)", bytesize.Format(e.Limit))
}

// ParseMemoryLimit reads a memory limit: a number of bytes, or a size as
// bytesize.Parse reads it ("256MiB", "1 GiB"). Zero means no cap.
func ParseMemoryLimit(v any) (int64, error) {
	switch n := v.(type) {
	case float64:
		if n < 0 || n != math.Trunc(n) || n > math.MaxInt64/2 {
			return 0, fmt.Errorf("memory limit %v is not a whole, non-negative number of bytes", n)
		}
		return int64(n), nil
	case int:
		return ParseMemoryLimit(float64(n))
	case int64:
		return ParseMemoryLimit(float64(n))
	case string:
		return bytesize.Parse(n)
	}
	return 0, fmt.Errorf("memory limit %v: want a number of bytes or a size such as \"256MiB\"", v)
}

// outOfMemory reports whether a worker's stderr line is the Go runtime's
// last word on an allocation its memory cap refused: of the heap, or of a
// mapping or thread the runtime needed (ENOMEM, errno 12, under
// RLIMIT_DATA).
func outOfMemory(line string) bool {
	return strings.Contains(line, "fatal error: out of memory") ||
		strings.Contains(line, "runtime: out of memory") ||
		strings.Contains(line, "runtime: cannot allocate memory") ||
		(strings.Contains(line, "failed to create new OS thread") && strings.Contains(line, "errno=12"))
}

// memoryDeath returns a MemoryLimitError if the worker died of its cap.
func memoryDeath(limit int64, oom bool) error {
	if limit <= 0 || !oom {
		return nil
	}
	return &MemoryLimitError{Limit: limit}
}
