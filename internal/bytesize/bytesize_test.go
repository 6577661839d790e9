package bytesize

import "testing"

func TestParseAndFormat(t *testing.T) {
	for in, want := range map[string]int64{"256MiB": 256 << 20, "1 GiB": 1 << 30, "4096": 4096, "64mb": 64 << 20, "3K": 3 << 10} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MiB", "12 parsecs", "-5MiB", "99999999999999999999"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) took it", bad)
		}
	}
	for n, want := range map[int64]string{256 << 20: "256 MiB", 1536 << 10: "1536 KiB", 100: "100 B", 2 << 30: "2 GiB"} {
		if got := Format(n); got != want {
			t.Errorf("Format(%d) = %q, want %q", n, got, want)
		}
	}
}
