package ocap_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/store"
)

// A terminated vat never keeps the kernel from starting again: after each
// way a vat can end, the rest of its subcluster and every other subcluster
// answer, before and after a restart, on both stores.
func TestRestartAfterTermination(t *testing.T) {
	ways := []struct {
		name      string
		terminate func(t *testing.T, e *kernelEnv, root string)
		reason    string
	}{
		{"endless recursion", func(t *testing.T, e *kernelEnv, root string) {
			expectTerminated(t, e, root, "recurse")
		}, "vat terminated"},
		{"delivery time limit", func(t *testing.T, e *kernelEnv, root string) {
			expectTerminated(t, e, root, "spin")
		}, "the delivery ran past the delivery time limit of 4s"},
		{"timer callback time limit", func(t *testing.T, e *kernelEnv, root string) {
			if got := e.mustCall(root, "callVictim", "spinLater"); got != "spinning soon" {
				t.Fatalf("spinLater = %v", got)
			}
		}, "a timer or fetch callback between deliveries ran past the delivery time limit of 4s"},
		{"failed restore", func(t *testing.T, e *kernelEnv, root string) {
			if got := e.mustCall(root, "callVictim", "breakOnRestart"); got != "armed" {
				t.Fatalf("breakOnRestart = %v", got)
			}
			e.restart()
		}, "could not be restored"},
	}
	forEachStore(t, func(t *testing.T, url string) {
		// The limit counts the worker's CPU time, so a loaded machine
		// does not make startVat run into it.
		e := startKernel(t, url, ocap.Options{DeliveryTimeout: 4 * time.Second})
		other := e.launch("hello.json")
		var roots []string
		for _, way := range ways {
			res := e.launch("terminations.json")
			keeper, victim := subclusterVats(t, e, res.SubclusterID)
			way.terminate(t, e, res.RootKref)
			waitFor(t, patience, "the victim to leave the status", func() bool {
				_, vats := subclusterVatsOK(e, res.SubclusterID)
				return len(vats) == 1 && vats[0] == keeper
			})
			if !strings.Contains(e.logs.String(), way.reason) {
				t.Errorf("%s: the log does not say %q", way.name, way.reason)
			}
			if _, ok := e.pids()[victim]; ok {
				t.Errorf("%s: vat %s still has a worker", way.name, victim)
			}
			roots = append(roots, res.RootKref)
			checkSurvivors(t, e, other.RootKref, roots)
		}
		for i := 0; i < 2; i++ {
			e.restart()
			checkSurvivors(t, e, other.RootKref, roots)
		}
	})
}

// A store written by kernels that left a terminated vat in its
// subcluster's list starts: the list is repaired at restore.
func TestRestoreRepairsTerminatedVatStillListed(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		res := e.launch("terminations.json")
		keeper, victim := subclusterVats(t, e, res.SubclusterID)
		e.close()

		// What terminating a vat used to leave: its tables gone, its
		// exports marked, its id still in the subcluster's list.
		ctx := context.Background()
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		var writes []store.Write
		for _, prefix := range []string{"c." + victim + ".", "vs." + victim + "."} {
			err := db.Scan(ctx, prefix, func(key, value string) error {
				writes = append(writes, store.Write{Key: key, Delete: true})
				if strings.HasPrefix(key, "c."+victim+".o+") {
					writes = append(writes, store.Write{Key: "o." + value + ".gone",
						Value: "[KERNEL:VAT_TERMINATED] vat " + victim + " was terminated: it was killed"})
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		writes = append(writes, store.Write{Key: "vat." + victim, Delete: true}, store.Write{Key: "vat." + victim + ".next", Delete: true})
		if err := db.Commit(ctx, writes); err != nil {
			t.Fatal(err)
		}
		sc, ok, err := db.Get(ctx, "sc."+res.SubclusterID)
		if err != nil || !ok || !strings.Contains(sc, `"`+victim+`"`) {
			t.Fatalf("the subcluster record should still list %s: %q %v", victim, sc, err)
		}
		db.Close()

		e.open()
		if !strings.Contains(e.logs.String(), "repairing the store") {
			t.Errorf("the repair is not logged")
		}
		_, vats := subclusterVatsOK(e, res.SubclusterID)
		if !slices.Equal(vats, []string{keeper}) {
			t.Fatalf("vats after repair = %v, want [%s]", vats, keeper)
		}
		checkSurvivors(t, e, "", []string{res.RootKref})
		e.restart()
		checkSurvivors(t, e, "", []string{res.RootKref})
	})
}

// expectTerminated calls the victim through its keeper and expects the
// victim to end.
func expectTerminated(t *testing.T, e *kernelEnv, root, method string) {
	t.Helper()
	_, err := e.call(root, "callVictim", method)
	if err == nil || !strings.Contains(err.Error(), "VAT_TERMINATED") {
		t.Fatalf("callVictim(%s): %v\nlogs:\n%s", method, err, e.logs.String())
	}
}

// checkSurvivors checks that every keeper answers and finds its victim
// gone, and that the other subcluster (when given) answers.
func checkSurvivors(t *testing.T, e *kernelEnv, other string, keepers []string) {
	t.Helper()
	if other != "" {
		if got := e.mustCall(other, "hello", "there"); got != "hello there, from Bob" {
			t.Fatalf("the other subcluster: hello = %v", got)
		}
	}
	for _, root := range keepers {
		if got := e.mustCall(root, "hello"); got != "keeper here" {
			t.Fatalf("keeper %s: hello = %v", root, got)
		}
		_, err := e.call(root, "callVictim", "hello")
		if err == nil || !strings.Contains(err.Error(), "VAT_TERMINATED") {
			t.Fatalf("keeper %s calling its terminated victim: %v", root, err)
		}
	}
}

// subclusterVats returns the two vats of a terminations subcluster.
func subclusterVats(t *testing.T, e *kernelEnv, id string) (keeper, victim string) {
	t.Helper()
	ok, vats := subclusterVatsOK(e, id)
	if !ok || len(vats) != 2 {
		t.Fatalf("subcluster %s: vats %v", id, vats)
	}
	return vats[0], vats[1]
}

func subclusterVatsOK(e *kernelEnv, id string) (bool, []string) {
	st, err := e.k.GetStatus(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, sc := range st.Subclusters {
		if sc.ID == id {
			return true, sc.Vats
		}
	}
	return false, nil
}

// A vat that spins forever stalls the others for at most one delivery time
// limit: it is terminated at the limit, without a retry, and a bystander
// queued behind it answers.
func TestSpinningVatIsTerminatedOnceBystanderAnswers(t *testing.T) {
	e := startKernel(t, storeURLForOneDriver(t), ocap.Options{DeliveryTimeout: 5 * time.Second})
	spinner := e.launch("terminations.json")
	_, victim := subclusterVats(t, e, spinner.SubclusterID)
	bystander := e.launch("hello.json")

	spun := make(chan error, 1)
	go func() {
		_, err := e.call(spinner.RootKref, "callVictim", "spin")
		spun <- err
	}()
	waitFor(t, time.Minute, "the victim's spin to be delivered", func() bool {
		return strings.Contains(e.logs.String(), `"method":"\"spin\""`)
	})
	if got := e.mustCall(bystander.RootKref, "hello", "there"); got != "hello there, from Bob" {
		t.Fatalf("bystander: hello = %v", got)
	}
	err := <-spun
	if err == nil || !strings.Contains(err.Error(), "VAT_TERMINATED") || !strings.Contains(err.Error(), "delivery time limit of 5s") {
		t.Fatalf("the spinning call: %v", err)
	}
	if n := strings.Count(e.logs.String(), `"method":"\"spin\""`); n != 1 {
		t.Fatalf("spin was delivered %d times, want once:\n%s", n, e.logs.String())
	}
	if strings.Contains(e.logs.String(), "restarting the vat") {
		t.Fatalf("the spinning vat was restarted:\n%s", e.logs.String())
	}
	if _, ok := e.pids()[victim]; ok {
		t.Fatalf("the victim %s still has a worker", victim)
	}
}

// TerminateVat ends one vat on request: its worker is gone when the call
// returns, its objects answer VAT_TERMINATED, its subcluster's other vat
// and other subclusters carry on, across a restart; ending the last vat
// ends the subcluster.
func TestTerminateVat(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		ctx := context.Background()
		e := startKernel(t, url, ocap.Options{})
		other := e.launch("hello.json")
		res := e.launch("terminations.json")
		keeper, victim := subclusterVats(t, e, res.SubclusterID)
		pid := e.pids()[victim]
		if err := e.k.TerminateVat(ctx, victim); err != nil {
			t.Fatal(err)
		}
		if alive(pid) {
			t.Errorf("vat %s's worker %d outlived TerminateVat", victim, pid)
		}
		_, err := e.call(res.RootKref, "callVictim", "hello")
		if want := "[KERNEL:VAT_TERMINATED] vat " + victim + " was terminated: terminateVat was called"; err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("calling the terminated vat: %v, want %s", err, want)
		}
		if err := e.k.TerminateVat(ctx, victim); !errors.Is(err, ocap.ErrUnknownVat) {
			t.Fatalf("terminating it again: %v", err)
		}
		checkSurvivors(t, e, other.RootKref, []string{res.RootKref})
		e.restart()
		checkSurvivors(t, e, other.RootKref, []string{res.RootKref})
		if _, vats := subclusterVatsOK(e, res.SubclusterID); !slices.Equal(vats, []string{keeper}) {
			t.Fatalf("the subcluster's vats after a restart: %v", vats)
		}

		if err := e.k.TerminateVat(ctx, keeper); err != nil {
			t.Fatal(err)
		}
		if ok, _ := subclusterVatsOK(e, res.SubclusterID); ok {
			t.Fatalf("subcluster %s outlived its last vat", res.SubclusterID)
		}
		if got := e.mustCall(other.RootKref, "hello", "there"); got != "hello there, from Bob" {
			t.Fatalf("the other subcluster: hello = %v", got)
		}
	})
}
