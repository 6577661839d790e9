package router

import (
	"strings"
	"testing"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// FuzzCheckMethargs: whatever capability data a worker sends, the kernel's
// checks answer with a verdict, never a panic, and a message they accept
// has a method and an argument array. Seeds: testdata/fuzz/FuzzCheckMethargs.
func FuzzCheckMethargs(f *testing.F) {
	f.Add(`#["foo",["$0.Alleged: x","&1"]]`, "o-1\np+2")
	f.Fuzz(func(t *testing.T, body, slots string) {
		cd := &workerpb.CapData{Body: body}
		if slots != "" {
			cd.Slots = strings.Split(slots, "\n")
		}
		if err := checkMethargs(cd); err != nil {
			return
		}
		v, err := checkData(cd)
		if err != nil {
			t.Fatalf("checkMethargs accepted %q, checkData refuses it: %v", body, err)
		}
		if ma, ok := v.([]any); !ok || len(ma) != 2 {
			t.Fatalf("checkMethargs accepted %q, which is not [method, args]", body)
		}
	})
}
