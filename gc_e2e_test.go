package ocap_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/store"
)

// Objects one vat passes another that lets go of them are collected end
// to end: the importer's worker reports them at bringOutYourDead, the
// exporter's worker is told and releases them, and the kernel keeps no
// row for them. The one the importer holds stays, usable.
func TestDroppedImportsAreRetiredEndToEnd(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		ctx := context.Background()
		e := startKernel(t, url, ocap.Options{})
		res := e.launch("gc-drop.json")
		alice, bob := subclusterVats(t, e, res.SubclusterID)
		if got := e.mustCall(res.RootKref, "pass", 20); got != 20.0 {
			t.Fatalf("pass = %v", got)
		}
		if err := e.k.CollectGarbage(ctx); err != nil {
			t.Fatal(err)
		}
		if got := e.mustCall(res.RootKref, "askKept"); got != -1.0 {
			t.Fatalf("askKept = %v", got)
		}
		if bad, err := e.k.CheckRefcounts(ctx); err != nil || len(bad) != 0 {
			t.Fatalf("CheckRefcounts: %v %v", bad, err)
		}
		e.close()

		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		count := func(prefix string, match func(key, value string) bool) int {
			n := 0
			if err := db.Scan(ctx, prefix, func(key, value string) error {
				if match(key, value) {
					n++
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		vrefs := func(vat, kind string) int {
			return count("c."+vat+"."+kind, func(string, string) bool { return true })
		}
		// alice exports her root and the kept object; bob imports only
		// the kept one.
		if n := vrefs(alice, "o+"); n != 2 {
			t.Errorf("alice's c-list has %d exports, want 2 (her root, the kept object)", n)
		}
		if n := vrefs(bob, "o-"); n != 1 {
			t.Errorf("bob's c-list has %d imports, want 1 (the kept object)", n)
		}
		owned := count("o.", func(key, value string) bool {
			return strings.Count(key, ".") == 1 && value == alice
		})
		if owned != 2 {
			t.Errorf("the kernel has %d objects of alice, want 2", owned)
		}
	})
}
