package platformtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/platform/platformtest"
	"github.com/ocapgo/ocap/proto/workerpb"
)

func startVat(bundle string, vatstore ...*workerpb.VatstoreEntry) *workerpb.Delivery {
	return &workerpb.Delivery{Kind: &workerpb.Delivery_StartVat{StartVat: &workerpb.StartVat{
		VatId: "v1", Name: "bob", Bundle: bundle, Vatstore: vatstore,
	}}}
}

func message(target, result, method string, args ...any) *workerpb.Delivery {
	ma := platformtest.Methargs(method, args...)
	return &workerpb.Delivery{Kind: &workerpb.Delivery_Message{Message: &workerpb.Message{
		Target: target, Methargs: &workerpb.CapData{Body: ma.Body, Slots: ma.Slots}, Result: result,
	}}}
}

func launch(t *testing.T, l *platformtest.Launcher) *platformtest.Worker {
	t.Helper()
	w, err := l.Launch(context.Background(), platform.WorkerSpec{VatID: "v1", VatName: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Kill() })
	return w.(*platformtest.Worker)
}

func mustDeliver(t *testing.T, w platform.Worker, d *workerpb.Delivery) *workerpb.DeliveryResult {
	t.Helper()
	res, err := w.Deliver(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if res.Error != "" {
		t.Fatalf("delivery error: %s", res.Error)
	}
	return res
}

// A vat answers a message with the syscalls its method made, in liveslots'
// vref conventions, and rebuilds itself from the vatstore it is started with.
func TestVatSyscalls(t *testing.T) {
	l := platformtest.New()
	l.Define("bob", func(v *platformtest.Vat) error {
		n, _ := v.Get("n")
		v.Set("n", n+"x")
		v.Root().On("foo", func(c *platformtest.Call) {
			p := c.Send(c.Arg(0), "bar", 1, c.NewObject("thing").Ref())
			c.Subscribe(p)
			c.Return("done")
		})
		return nil
	})
	w := launch(t, l)
	res := mustDeliver(t, w, startVat("bob", &workerpb.VatstoreEntry{Key: "n", Value: "x"}))
	if set := res.Syscalls[0].GetVatstoreSet(); set.GetKey() != "n" || set.GetValue() != "xx" {
		t.Fatalf("start syscalls: %v", res.Syscalls)
	}
	res = mustDeliver(t, w, message("o+0", "p-1", "foo", platformtest.Ref("o-1")))
	if len(res.Syscalls) != 3 {
		t.Fatalf("syscalls: %v", res.Syscalls)
	}
	send := res.Syscalls[0].GetSend()
	if send.Target != "o-1" || send.Result != "p+1" || send.Methargs.Body != `#["bar",[1,"$0.thing"]]` || send.Methargs.Slots[0] != "o+1" {
		t.Errorf("send: %v", send)
	}
	if res.Syscalls[1].GetSubscribe() != "p+1" {
		t.Errorf("subscribe: %v", res.Syscalls[1])
	}
	r := res.Syscalls[2].GetResolve().GetResolutions()[0]
	if r.Vref != "p-1" || r.Rejected || r.Data.Body != `#"done"` {
		t.Errorf("resolve: %v", r)
	}
	// A method the object lacks rejects, as in liveslots.
	res = mustDeliver(t, w, message("o+0", "p-2", "nope"))
	if r := res.Syscalls[0].GetResolve().GetResolutions()[0]; !r.Rejected || !strings.Contains(r.Data.Body, "nope") {
		t.Errorf("unknown method: %v", r)
	}
	// An undecodable body is a delivery error.
	bad := message("o+0", "", "foo")
	bad.GetMessage().Methargs.Body = "#["
	if res, err := w.Deliver(context.Background(), bad); err != nil || res.Error == "" {
		t.Errorf("bad body: %v %v", res, err)
	}
	if got := l.Count(platformtest.Match{VatName: "bob", Method: "foo"}); got != 1 {
		t.Errorf("Count(foo) = %d", got)
	}
}

func TestDie(t *testing.T) {
	l := platformtest.New()
	l.Define("bob", func(v *platformtest.Vat) error { return nil })
	l.Fault(platformtest.Match{Method: "foo", Attempt: 1}.Then(platformtest.Die))
	w := launch(t, l)
	mustDeliver(t, w, startVat("bob"))
	_, err := w.Deliver(context.Background(), message("o+0", "", "foo"))
	if !errors.Is(err, platform.ErrWorkerExited) {
		t.Fatalf("Deliver: %v", err)
	}
	<-w.Done()
	if !errors.Is(w.Err(), platform.ErrWorkerExited) {
		t.Fatalf("Err: %v", w.Err())
	}
	if _, err := w.Deliver(context.Background(), message("o+0", "", "foo")); !errors.Is(err, platform.ErrWorkerExited) {
		t.Fatalf("Deliver after death: %v", err)
	}
	// Kill keeps the worker's own reason and is idempotent.
	for range 2 {
		if err := w.Kill(); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(w.Err().Error(), "scripted") {
		t.Errorf("reason lost: %v", w.Err())
	}
	if d := l.Deliveries("v1"); len(d) != 2 || d[1].Fault != platformtest.Die || d[1].Attempt != 1 {
		t.Errorf("log: %+v", d)
	}
}

// hangingPing starts a worker whose pings hang, sends it one with ctx,
// and returns the worker and the ping's error, once the ping is hanging.
func hangingPing(t *testing.T, ctx context.Context) (*platformtest.Worker, <-chan error) {
	t.Helper()
	l := platformtest.New()
	l.Define("bob", func(v *platformtest.Vat) error { return nil })
	entered := make(chan struct{})
	l.Fault(func(d platformtest.Delivery) platformtest.Fault {
		if d.Kind == platformtest.KindPing {
			close(entered)
			return platformtest.Hang
		}
		return platformtest.Answer
	})
	w := launch(t, l)
	mustDeliver(t, w, startVat("bob"))
	errc := make(chan error, 1)
	go func() {
		_, err := w.Deliver(ctx, &workerpb.Delivery{Kind: &workerpb.Delivery_Ping{Ping: &workerpb.Empty{}}})
		errc <- err
	}()
	<-entered
	return w, errc
}

func TestHangUntilContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w, errc := hangingPing(t, ctx)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Deliver: %v", err)
	}
	<-w.Done() // the worker is killed, as the real platform does
}

func TestKillUnblocksHang(t *testing.T) {
	w, errc := hangingPing(t, context.Background())
	if err := w.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, platform.ErrWorkerExited) {
		t.Fatalf("Deliver: %v", err)
	}
}

func TestOutsideAndIdleExit(t *testing.T) {
	l := platformtest.New()
	l.Define("bob", func(v *platformtest.Vat) error { return nil })
	w := launch(t, l)
	mustDeliver(t, w, startVat("bob"))
	w.Outside(func(v *platformtest.Vat) { v.SendOnly("o-1", "tick") })
	<-w.WantCrank()
	res := mustDeliver(t, w, &workerpb.Delivery{Kind: &workerpb.Delivery_Flush{Flush: &workerpb.Empty{}}})
	if len(res.Syscalls) != 1 || res.Syscalls[0].GetSend().GetTarget() != "o-1" {
		t.Fatalf("flush: %v", res.Syscalls)
	}
	w.Exit("gone")
	<-w.Done()
	if !errors.Is(w.Err(), platform.ErrWorkerExited) || !strings.Contains(w.Err().Error(), "gone") {
		t.Fatalf("Err: %v", w.Err())
	}
	if live := l.Live(); len(live) != 0 {
		t.Fatalf("Live: %v", live)
	}
}

func TestLaunchFailures(t *testing.T) {
	l := platformtest.New()
	l.FailLaunch(func(spec platform.WorkerSpec) error {
		if spec.VatName == "bob" {
			return errors.New("no more processes")
		}
		return nil
	})
	if _, err := l.Launch(context.Background(), platform.WorkerSpec{VatID: "v1", VatName: "bob"}); err == nil || !strings.Contains(err.Error(), "no more processes") {
		t.Fatalf("Launch: %v", err)
	}
	w, err := l.Launch(context.Background(), platform.WorkerSpec{VatID: "v2", VatName: "carol"})
	if err != nil {
		t.Fatal(err)
	}
	// A bundle nobody defined fails the start.
	res, err := w.Deliver(context.Background(), startVat("nobody"))
	if err != nil || !strings.Contains(res.Error, "nobody") {
		t.Fatalf("start: %v %v", res, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	<-w.Done()
	if _, err := l.Launch(context.Background(), platform.WorkerSpec{VatID: "v3"}); !errors.Is(err, platform.ErrClosed) {
		t.Fatalf("Launch after Close: %v", err)
	}
}

func TestBuildError(t *testing.T) {
	l := platformtest.New()
	l.Define("bob", func(v *platformtest.Vat) error { return errors.New("buildRootObject threw") })
	w := launch(t, l)
	res, err := w.Deliver(context.Background(), startVat("bob"))
	if err != nil || res.Error != "buildRootObject threw" {
		t.Fatalf("start: %v %v", res, err)
	}
}
