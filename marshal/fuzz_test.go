package marshal

import (
	"testing"
)

// FuzzUnmarshal checks that no body makes Unmarshal panic, and that whatever
// it accepts encodes again and is stable from then on.
func FuzzUnmarshal(f *testing.F) {
	for _, file := range []string{"vectors.json", "invalid.json"} {
		for _, v := range loadVectors(f, file) {
			slots := ""
			if len(v.Slots) > 0 {
				slots = v.Slots[0]
			}
			f.Add(v.Body, slots)
		}
	}
	f.Add(`#["$0","&1"]`, "p+1")
	f.Fuzz(func(t *testing.T, body, slot string) {
		slots := []string{slot, "p+2", "o+3"}
		v, err := Unmarshal(CapData{Body: body, Slots: slots})
		if err != nil {
			return
		}
		cd, err := Marshal(v)
		if err != nil {
			t.Fatalf("Unmarshal(%q) gave %#v, which does not marshal: %v", body, v, err)
		}
		v2, err := Unmarshal(cd)
		if err != nil {
			t.Fatalf("re-encoded body %q does not decode: %v", cd.Body, err)
		}
		cd2, err := Marshal(v2)
		if err != nil || cd2.Body != cd.Body {
			t.Fatalf("unstable: %q then %q (%v)", cd.Body, cd2.Body, err)
		}
	})
}
