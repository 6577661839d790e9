package ocap

import (
	"encoding/json"
	"slices"
	"testing"
)

// FuzzParseClusterConfig: any bytes either parse into a valid config or
// fail with an error, never a panic; a config that parses writes out (in
// its vat order) and parses again to the same order. Seeds:
// testdata/fuzz/FuzzParseClusterConfig.
func FuzzParseClusterConfig(f *testing.F) {
	f.Add([]byte(`{"bootstrap":"a","vats":{"b":{"sourceSpec":"b.js"},"a":{"bundleSpec":"a.bundle.js","creationOptions":{"maxSends":3}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseClusterConfig(data, "/cluster")
		if err != nil {
			return
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("a parsed config does not encode: %v", err)
		}
		again, err := ParseClusterConfig(out, "/cluster")
		if err != nil {
			t.Fatalf("%s parsed, but its encoding %s does not: %v", data, out, err)
		}
		if !slices.Equal(c.Order(), again.Order()) {
			t.Fatalf("vat order %v became %v", c.Order(), again.Order())
		}
	})
}
