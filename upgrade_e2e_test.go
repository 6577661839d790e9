package ocap_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocapgo/ocap"
)

// UpgradeVat: new code over the same baggage and durable objects, the root
// and every durable export keeping their krefs; an upgrade whose code does
// not start leaves the vat on its old code, its state untouched; the
// upgraded code is what a kernel restart runs.
func TestUpgradeVatKeepsState(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		res := e.launch("upgrade.json")
		root := res.RootKref
		ok, vats := subclusterVatsOK(e, res.SubclusterID)
		if !ok || len(vats) != 1 {
			t.Fatalf("the subcluster's vats: %v", vats)
		}
		vat := vats[0]
		e.mustCall(root, "increment")
		e.mustCall(root, "increment")
		account := e.mustCall(root, "makeAccount", "alice")
		kref := refKref(t, account)
		if got := e.mustCall(kref, "deposit", 5); got != float64(5) {
			t.Fatalf("deposit = %v", got)
		}
		upgrade := func(source string) error {
			return e.k.UpgradeVat(context.Background(), vat, filepath.Join("testdata", "vats", "upgrade", source))
		}
		if err := upgrade("v2.js"); err != nil {
			t.Fatal(err)
		}
		if got := e.mustCall(root, "version"); got != float64(2) {
			t.Fatalf("version after the upgrade = %v", got)
		}
		if got := e.mustCall(root, "count"); got != float64(2) {
			t.Fatalf("count after the upgrade = %v, want 2", got)
		}
		if got := e.mustCall(kref, "report"); got != "alice has 5" {
			t.Fatalf("the account after the upgrade: %v", got)
		}

		err := upgrade("broken.js")
		if err == nil || !strings.Contains(err.Error(), "version 3 is broken") || !strings.Contains(err.Error(), "runs its old code again") {
			t.Fatalf("a broken upgrade: %v", err)
		}
		if got := e.mustCall(root, "version"); got != float64(2) {
			t.Fatalf("version after the broken upgrade = %v", got)
		}
		if got := e.mustCall(kref, "deposit", 1); got != float64(6) {
			t.Fatalf("the account after the broken upgrade: %v", got)
		}

		e.restart()
		if got := e.mustCall(root, "version"); got != float64(2) {
			t.Fatalf("version after a kernel restart = %v", got)
		}
		if got := e.mustCall(root, "count"); got != float64(2) {
			t.Fatalf("count after a kernel restart = %v", got)
		}
		if err := e.k.UpgradeVat(context.Background(), "v99", "testdata/vats/upgrade/v2.js"); err == nil || !strings.Contains(err.Error(), "v99") {
			t.Fatalf("upgrading an unknown vat: %v", err)
		}
	})
}
