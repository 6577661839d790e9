package ocap_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/ocapgo/ocap"
)

// A vat that resolves its own promises to each other within one delivery
// finishes it at once; whoever waits on those promises, the host or another
// vat, gets a rejection naming the cycle, and the vat keeps its worker.
func TestPromiseCycleInOneDelivery(t *testing.T) {
	forEachStore(t, func(t *testing.T, url string) {
		e := startKernel(t, url, ocap.Options{})
		root := e.launch("promisecycle.json").RootKref
		pids := e.pids()

		cases := []struct{ method, name, message string }{
			{"pairResult", "Error", "which resolves back to it: a cycle of promises never settles"},
			{"ringResult", "Error", "which resolves back to it: a cycle of promises never settles"},
			// Rejected by alice, then by bob's race over them.
			{"sendPair", "Error", "which resolves back to it: a cycle of promises never settles"},
			// Made in a timer callback, between deliveries.
			{"cycleLater", "Error", "which resolves back to it: a cycle of promises never settles"},
			// JavaScript's own rejection.
			{"selfResult", "TypeError", "Promise self-resolution"},
		}
		for _, c := range cases {
			_, err := e.call(root, c.method)
			var re *ocap.RemoteError
			if !errors.As(err, &re) || re.Name != c.name || !strings.Contains(re.Message, c.message) {
				t.Fatalf("%s: err = %v, want a %s containing %q\nlogs:\n%s", c.method, err, c.name, c.message, e.logs.String())
			}
		}

		// A cycle no other vat sees stays pending inside the vat.
		if got := e.mustCall(root, "keepLocal"); got != "kept" {
			t.Fatalf("keepLocal = %v", got)
		}
		if got := e.mustCall(root, "localStillPending"); got != true {
			t.Fatalf("localStillPending = %v", got)
		}

		if got := e.mustCall(root, "hello"); got != "hi" {
			t.Fatalf("hello = %v", got)
		}
		if now := e.pids(); !maps.Equal(now, pids) {
			t.Fatalf("worker pids changed from %v to %v: a vat was restarted or terminated", pids, now)
		}
	})
}
