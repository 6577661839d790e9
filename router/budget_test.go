package router_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/router"
)

// small are limits a test can break in a few syscalls.
var small = router.Limits{
	MaxMessageBytes:       1000,
	MaxCrankDataBytes:     2500,
	MaxSyscalls:           20,
	MaxSends:              5,
	MaxVatstoreEntryBytes: 200,
	MaxVatstoreBytes:      1000,
}

// Rule (Limits): a vat that breaks a limit in a delivery is terminated with
// a reason naming the limit and its value, none of what it did in that
// delivery is applied, the other vats go on, and the kernel restarts on
// its store afterwards.
func TestLimitsTerminateTheVat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		attack func(c *platformtest.Call)
		reason string
	}{
		{"sends", func(c *platformtest.Call) {
			for range 6 {
				c.SendOnly(c.Arg(0), "hello")
			}
		}, "maxSends (5): it made 6 sends in one delivery"},
		{"syscalls", func(c *platformtest.Call) {
			for i := range 21 {
				c.Set("k", strings.Repeat("x", i))
			}
		}, "maxSyscalls (20): it made 22 syscalls in one delivery"},
		{"message size", func(c *platformtest.Call) {
			c.SendOnly(c.Arg(0), "hello", strings.Repeat("x", 1000))
		}, "maxMessageBytes (1000 bytes): it sent a message of"},
		{"result size", func(c *platformtest.Call) {
			c.Return(strings.Repeat("x", 1000))
		}, "maxMessageBytes (1000 bytes): it settled a promise with a result of"},
		{"crank data", func(c *platformtest.Call) {
			for range 4 {
				c.SendOnly(c.Arg(0), "hello", strings.Repeat("x", 900))
			}
		}, "maxCrankDataBytes (2500 bytes): its syscalls in one delivery carried"},
		{"vatstore entry", func(c *platformtest.Call) {
			c.Set("big", strings.Repeat("x", 200))
		}, "maxVatstoreEntryBytes (200 bytes): it wrote a vatstore entry of 203 bytes"},
		{"vatstore total", func(c *platformtest.Call) {
			for i := range 7 {
				c.Set("k"+string(rune('a'+i)), strings.Repeat("x", 150))
			}
		}, "maxVatstoreBytes (1000 bytes): its vatstore would hold"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *router.Config) { c.Limits = small })
			defineVat(h.l, "alice", func(v *platformtest.Vat) {
				v.Root().On("attack", func(c *platformtest.Call) {
					tc.attack(c)
					if c.Result != "" && !strings.Contains(tc.name, "result") {
						c.Return("done")
					}
				})
			})
			defineVat(h.l, "bob", nil)
			sc := h.launch(cluster("alice", "bob"))
			bob := sc.Roots["bob"]
			h.rejects(sc.Root, "attack", []any{ref(bob)}, "[KERNEL:VAT_TERMINATED] vat v1 was terminated", tc.reason)
			h.requireTerminated("v1", sc.Root, tc.reason)
			if n := h.l.Count(platformtest.Match{VatName: "bob", Method: "hello"}); n != 0 {
				t.Fatalf("bob got %d of alice's sends from the refused delivery", n)
			}
			h.restart()
			if got := h.mustCall(bob, "hello"); got != "bob says hello" {
				t.Fatalf("bob after a restart: %v", got)
			}
		})
	}
}

// Rule (Limits): a vatstore that stays under its limit across deliveries
// is fine, and what a vat deletes frees room; a vat's creationOptions
// override the kernel's limits.
func TestLimitsAccountAcrossDeliveries(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *router.Config) { c.Limits = small })
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		v.Root().
			On("put", func(c *platformtest.Call) { c.Set(c.Arg(0).(string), strings.Repeat("x", 180)); c.Return("ok") }).
			On("drop", func(c *platformtest.Call) { c.Delete(c.Arg(0).(string)); c.Return("ok") }).
			On("sends", func(c *platformtest.Call) {
				for range 7 {
					c.SendOnly(c.Arg(0), "hello")
				}
				c.Return("ok")
			})
	})
	defineVat(h.l, "bob", nil)
	spec := cluster("alice", "bob")
	spec.Vats[0].Config = json.RawMessage(`{"creationOptions":{"maxSends":8}}`)
	sc := h.launch(spec)
	// 5 entries of 183 bytes fit in 1000, a sixth only after a delete.
	for _, k := range []string{"a", "b", "c", "d", "e", "a", "b"} {
		h.mustCall(sc.Root, "put", k)
	}
	h.mustCall(sc.Root, "drop", "e")
	h.mustCall(sc.Root, "put", "f")
	// The vat's own maxSends (8) lifts the kernel's (5).
	h.mustCall(sc.Root, "sends", ref(sc.Roots["bob"]))
	// A restart counts the vatstore again from the store.
	h.restart()
	h.rejects(sc.Root, "put", []any{"g"}, "maxVatstoreBytes (1000 bytes)")
}

// Rule (Limits): the references a vat holds at once are bounded across
// deliveries: a vat that leaves promises pending without end is
// terminated, naming maxCListEntries, and the kernel lets go of them.
func TestPendingPromisesAreBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *router.Config) { c.Limits = router.Limits{MaxCListEntries: 10} })
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		v.Root().On("hoard", func(c *platformtest.Call) {
			for range 3 {
				c.Send(c.Arg(0), "never") // bob never answers: the results stay pending
			}
			c.Return("ok")
		})
	})
	defineVat(h.l, "bob", func(v *platformtest.Vat) {
		v.Root().On("never", func(*platformtest.Call) {})
	})
	sc := h.launch(cluster("alice", "bob"))
	bob := ref(sc.Roots["bob"])
	h.mustCall(sc.Root, "hoard", bob)
	h.mustCall(sc.Root, "hoard", bob)
	h.rejects(sc.Root, "hoard", []any{bob}, "maxCListEntries (10): it holds")
	h.mustCall(sc.Roots["bob"], "hello")
	h.restart()
	h.mustCall(sc.Roots["bob"], "hello")
}
