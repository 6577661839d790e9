package keeper

import "testing"

func TestObjectRoundTrip(t *testing.T) {
	k, st := memKeeper(t)
	var vatObj, svcObj string
	committed(t, k, func() {
		vatObj = k.NewObject("v3")
		svcObj = k.NewObject(KernelOwner)
		k.SetIface(svcObj, "Alleged: calc")
	})
	for _, k := range []*Keeper{k, New(st)} {
		if owner, ok := k.ObjectOwner(vatObj); !ok || owner != "v3" {
			t.Fatalf("ObjectOwner(%s) = %q, %v", vatObj, owner, ok)
		}
		if owner, ok := k.ObjectOwner(svcObj); !ok || owner != "kernel" {
			t.Fatalf("ObjectOwner(%s) = %q, %v", svcObj, owner, ok)
		}
		if owner, ok := k.ObjectOwner("ko999"); ok {
			t.Fatalf("unknown object has owner %q", owner)
		}
		if got := k.Iface(svcObj); got != "Alleged: calc" {
			t.Fatalf("Iface(%s) = %q", svcObj, got)
		}
		if got := k.Iface(vatObj); got != "" {
			t.Fatalf("Iface of an object without one = %q", got)
		}
		if why, gone := k.ObjectGone(vatObj); gone {
			t.Fatalf("a live object is gone: %q", why)
		}
		if k.IsRevoked(vatObj) {
			t.Fatal("a fresh object is revoked")
		}
	}
}

func TestObjectGoneAndRevoked(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		st := openStore(t, url)
		k := New(st)
		var a, b string
		committed(t, k, func() { a, b = k.NewObject("v1"), k.NewObject("v1") })

		k.SetObjectGone(a, "its vat restarted")
		k.SetRevoked(b)
		if why, gone := k.ObjectGone(a); !gone || why != "its vat restarted" {
			t.Fatalf("in the crank, ObjectGone = %q, %v", why, gone)
		}
		if !k.IsRevoked(b) || k.IsRevoked(a) {
			t.Fatal("in the crank, revocation is not as written")
		}
		k.Abort()
		if _, gone := k.ObjectGone(a); gone || k.IsRevoked(b) {
			t.Fatal("an aborted crank's gone or revoked mark stayed")
		}

		committed(t, k, func() {
			k.SetObjectGone(a, "its vat was terminated")
			k.SetRevoked(b)
		})
		if v, _ := raw(t, st, "o."+b+".revoked"); v != "1" {
			t.Fatalf("store o.%s.revoked = %q", b, v)
		}
		st.Close()
		k = New(openStore(t, url))
		if why, gone := k.ObjectGone(a); !gone || why != "its vat was terminated" {
			t.Fatalf("after reopening, ObjectGone = %q, %v", why, gone)
		}
		if !k.IsRevoked(b) || k.IsRevoked(a) {
			t.Fatal("after reopening, revocation is not as written")
		}
		// The owner record stays beside the marks.
		if owner, ok := k.ObjectOwner(a); !ok || owner != "v1" {
			t.Fatalf("owner of a gone object = %q, %v", owner, ok)
		}
	})
}

// RevokedObjects sees revocations of every stage; after Load it reads
// memory, not the store.
func TestRevokedObjects(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		st := wrapStore(openStore(t, url))
		k := New(st)
		var a, b, c string
		committed(t, k, func() {
			a, b, c = k.NewObject("v1"), k.NewObject("v1"), k.NewObject("v1")
			k.SetRevoked(a)
		})
		crank(k, func() { k.SetRevoked(b) }) // sealed, not durable
		equal(t, "before Load", sorted(k.RevokedObjects()), sorted([]string{a, b}))
		flush(t, k)

		k = New(st)
		if err := k.Load(t.Context()); err != nil {
			t.Fatal(err)
		}
		st.setFailScan(errInjected)
		k.SetRevoked(c) // in the crank being run
		equal(t, "after Load", sorted(k.RevokedObjects()), sorted([]string{a, b, c}))
		k.Abort()
		equal(t, "after the crank aborted", sorted(k.RevokedObjects()), sorted([]string{a, b}))
	})
}
