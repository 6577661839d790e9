package control_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/control"
	"github.com/ocapgo/ocap/internal/testutil"
)

// TestRevokeRestartReset calls the Client methods of revoke, revoked,
// restart-vat and reset against a kernel running one vat.
func TestRevokeRestartReset(t *testing.T) {
	e := newEnv(t, true)
	ctx := t.Context()
	res, err := e.c.Launch(ctx, cluster(t, "control/objects.json"))
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	counter, err := e.c.Send(ctx, res.RootKref, "makeCounter", []json.RawMessage{json.RawMessage(`"c1"`)}, 0)
	if err != nil {
		t.Fatalf("makeCounter: %v", err)
	}
	var ref struct {
		Kref string `json:"@kref"`
	}
	if err := json.Unmarshal(counter, &ref); err != nil {
		t.Fatalf("makeCounter result %s: %v", counter, err)
	}

	if revoked, err := e.c.IsRevoked(ctx, ref.Kref); err != nil || revoked {
		t.Fatalf("IsRevoked before Revoke: %v, %v", revoked, err)
	}
	if err := e.c.Revoke(ctx, ref.Kref); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if revoked, err := e.c.IsRevoked(ctx, ref.Kref); err != nil || !revoked {
		t.Fatalf("IsRevoked after Revoke: %v, %v", revoked, err)
	}
	_, err = e.c.Send(ctx, ref.Kref, "increment", nil, 0)
	ce := wantCode(t, "send to a revoked object", err, control.CodeRejected)
	if want := "[KERNEL:OBJECT_REVOKED] object " + ref.Kref + " has been revoked"; !strings.Contains(ce.Message, want) {
		t.Errorf("send to a revoked object: %q; want it to contain %q", ce.Message, want)
	}
	_, err = e.c.IsRevoked(ctx, "ko999999")
	wantCode(t, "IsRevoked of an unknown kref", err, control.CodeUnknownKref)

	st, err := e.c.Status(ctx)
	if err != nil || len(st.Vats) != 1 {
		t.Fatalf("status: %+v, %v", st, err)
	}
	vat, pid := st.Vats[0].ID, st.Vats[0].PID
	if err := e.c.RestartVat(ctx, vat); err != nil {
		t.Fatalf("RestartVat %s: %v", vat, err)
	}
	testutil.WaitFor(t, testutil.Patience, "the old worker to exit", func() bool { return testutil.ProcessGone(pid) })
	if out, err := e.c.Send(ctx, res.RootKref, "echo", []json.RawMessage{json.RawMessage(`1`)}, 0); err != nil || string(out) != `[1]` {
		t.Fatalf("echo after RestartVat: %s, %v", out, err)
	}
	wantCode(t, "RestartVat v99", e.c.RestartVat(ctx, "v99"), control.CodeUnknownVat)

	if err := e.c.Reset(ctx); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	st, err = e.c.Status(ctx)
	if err != nil || len(st.Vats) != 0 || len(st.Subclusters) != 0 {
		t.Fatalf("status after Reset: %+v, %v", st, err)
	}
	_, err = e.c.Send(ctx, res.RootKref, "echo", nil, 0)
	wantCode(t, "send to the old root after Reset", err, control.CodeUnknownKref)

	e.srv.Stopping()
	wantCode(t, "Reset when stopping", e.c.Reset(ctx), control.CodeStopping)
}
