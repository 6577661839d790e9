// Package bytesize reads and writes sizes in bytes the way limits are
// written in flags, configs and messages: "256 MiB".
package bytesize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

var units = []struct {
	size int64
	name string
}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}}

// Format writes n in the largest binary unit that divides it: "256 MiB",
// "1536 KiB", "100 B".
func Format(n int64) string {
	for _, u := range units {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d B", n)
}

// Parse reads digits and an optional unit: B, KiB, MiB, GiB, or K, KB, M,
// MB, G, GB as their binary namesakes ("256MiB", "1 GiB", "4096").
func Parse(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(t)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want digits and a unit, such as \"256MiB\"", s)
	}
	unit := strings.TrimSpace(t[i:])
	mul, ok := map[string]int64{"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10,
		"M": 1 << 20, "MB": 1 << 20, "MIB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30}[strings.ToUpper(unit)]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q (B, KiB, MiB, GiB)", s, unit)
	}
	if n > math.MaxInt64/2/mul {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mul, nil
}
