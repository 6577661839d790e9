package router_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/router"
)

// A vatstore bigger than StartVat carries is read by the worker when it
// asks, and its size still counts against maxVatstoreBytes once the vat
// writes again after a restart.
func TestBigVatstoreAfterRestart(t *testing.T) {
	t.Parallel()
	limits := router.Limits{MaxVatstoreBytes: 12_000}
	h := newHarness(t, func(c *router.Config) { c.Limits = limits })
	defineVat(h.l, "alice", func(v *platformtest.Vat) {
		v.Root().
			On("fill", func(c *platformtest.Call) {
				for i := range 1500 {
					c.Set(fmt.Sprintf("k%04d", i), "v")
				}
				c.Return("ok")
			}).
			On("get", func(c *platformtest.Call) {
				value, _ := c.Get(c.Arg(0).(string))
				c.Return(value)
			}).
			On("put", func(c *platformtest.Call) { c.Set(c.Arg(0).(string), strings.Repeat("x", 2000)); c.Return("ok") })
	})
	sc := h.launch(cluster("alice"))
	h.mustCall(sc.Root, "fill") // 1,500 entries of 6 bytes
	h.restart()
	if got := h.mustCall(sc.Root, "get", "k1499"); got != "v" {
		t.Fatalf("the last entry after the restart = %v", got)
	}
	h.mustCall(sc.Root, "put", "big1") // 9,000 + 2,004 bytes fit in 12,000
	h.rejects(sc.Root, "put", []any{"big2"}, "maxVatstoreBytes (12000 bytes): its vatstore would hold 130")
}
