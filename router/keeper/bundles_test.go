package keeper

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestBundleRoundTrip(t *testing.T) {
	k, st := memKeeper(t)
	script := "export function buildRootObject() { return 1; }\n\u00e9\x00tail"
	sum := sha256.Sum256([]byte(script))
	hash := hex.EncodeToString(sum[:])
	if _, ok := k.Bundle(hash); ok {
		t.Fatal("a bundle exists before it is stored")
	}
	committed(t, k, func() { k.SetBundle(hash, script) })
	if got, ok := k.Bundle(hash); !ok || got != script {
		t.Fatalf("Bundle = %q, %v", got, ok)
	}
	if got, ok := New(st).Bundle(hash); !ok || got != script {
		t.Fatalf("Bundle from the store = %q, %v", got, ok)
	}
	if v, _ := raw(t, st, "bundle."+hash); v != script {
		t.Fatalf("store bundle.%s = %q", hash, v)
	}
}
