package liveslots

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/ocapgo/ocap/endowments"
	"github.com/ocapgo/ocap/proto/workerpb"
)

func startWith(t *testing.T, v *Vat, bundle string, mod func(*workerpb.StartVat)) *workerpb.DeliveryResult {
	t.Helper()
	d := startDelivery(readBundle(t, bundle), nil, nil)
	mod(d.GetStartVat())
	return v.Deliver(d)
}

func TestEndowmentsInstalled(t *testing.T) {
	v := newVat(t)
	res := startWith(t, v, "basic.js", func(s *workerpb.StartVat) {
		s.Globals = []string{"Date", "Math", "TextEncoder", "URL", "atob"}
	})
	if res.Error != "" {
		t.Fatal(res.Error)
	}
	for src, want := range map[string]string{
		`typeof Date.now()`:                    `#"number"`,
		`Math.random() < 1`:                    `#true`,
		`new TextEncoder().encode('é').length`: `#2`,
		`new URL('HTTP://A/b/../c').href`:      `#"http://a/c"`,
		`atob('aGk=')`:                         `#"hi"`,
		`Object.isFrozen(URL.prototype) && Object.isFrozen(TextEncoder)`:    `#true`,
		`'use strict'; try { URL = null; 'replaced' } catch (e) { e.name }`: `#"TypeError"`,
		`typeof setTimeout + typeof fetch + typeof btoa`:                    `#"undefinedundefinedundefined"`,
	} {
		if got := evaluate(t, v, src); got != want {
			t.Errorf("%s\n got  %s\n want %s", src, got, want)
		}
	}
}

func TestEndowmentsAllowlist(t *testing.T) {
	for _, c := range []struct {
		allowed []string
		globals []string
		want    string
	}{
		{[]string{"TextEncoder"}, []string{"TextEncoder", "URL"}, `Vat "v1" requested unknown global "URL"`},
		{[]string{}, []string{"Date"}, `Vat "v1" requested unknown global "Date"`},
		{[]string{"TextEncoder"}, []string{"TextEncoder"}, ""},
		{nil, []string{"fetch"}, `Vat "v1" requested "fetch" without an allowlist: set platformConfig.fetch.allowedHosts (or network.allowedHosts)`},
		{nil, []string{"fetch", "nope"}, `Vat "v1" requested unknown global "nope"`},
	} {
		v := newVat(t)
		res := startWith(t, v, "basic.js", func(s *workerpb.StartVat) {
			s.Globals = c.globals
			s.AllowedGlobals, s.AllowedGlobalsSet = c.allowed, c.allowed != nil
		})
		if res.Error != c.want {
			t.Errorf("allowed %v, globals %v: error %q, want %q", c.allowed, c.globals, res.Error, c.want)
		}
	}
}

func TestCustomFactory(t *testing.T) {
	tornDown := false
	factory := func(cfg endowments.Config) (*endowments.Endowments, error) {
		greet, err := cfg.Runtime.RunString(`(function greet(who) { return 'hi ' + who; })`)
		if err != nil {
			return nil, err
		}
		return &endowments.Endowments{
			Globals:  map[string]goja.Value{"greet": greet, "Date": cfg.Runtime.Get("Date")},
			Teardown: func() { tornDown = true },
		}, nil
	}
	v, err := New(testLogger(t), nil, WithEndowments(factory))
	if err != nil {
		t.Fatal(err)
	}
	res := startWith(t, v, "basic.js", func(s *workerpb.StartVat) { s.Globals = []string{"greet"} })
	if res.Error != "" {
		t.Fatal(res.Error)
	}
	if got := evaluate(t, v, `greet('vat') + ' ' + typeof URL`); got != `#"hi vat undefined"` {
		t.Fatalf("got %s", got)
	}
	v.Deliver(&workerpb.Delivery{Kind: &workerpb.Delivery_StopVat{StopVat: &workerpb.Empty{}}})
	if !tornDown {
		t.Fatal("stopVat did not run the teardown")
	}
	v.Close()

	// A factory's failures fail the start with their words.
	for name, f := range map[string]endowments.Factory{
		"error": func(endowments.Config) (*endowments.Endowments, error) { return nil, errors.New("no greet today") },
		"panic": func(endowments.Config) (*endowments.Endowments, error) { panic("exploded") },
		"nil":   func(endowments.Config) (*endowments.Endowments, error) { return nil, nil },
		"short": factory,
	} {
		w, _ := New(testLogger(t), nil, WithEndowments(f))
		res := startWith(t, w, "basic.js", func(s *workerpb.StartVat) { s.Globals = []string{"greet", "URL"} })
		if res.Error == "" {
			t.Errorf("%s: the start succeeded", name)
		}
		if name == "short" && res.Error != `Vat "v1" requested unknown global "URL"` {
			t.Errorf("short: %q", res.Error)
		}
		w.Close()
	}
}

// A timer callback runs between deliveries; its sends wait for the next
// delivery, which carries them first.
func TestTimerCallbackSyscalls(t *testing.T) {
	wants := make(chan struct{}, 10)
	v, err := New(testLogger(t), func() { wants <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	res := startWith(t, v, "timers.js", func(s *workerpb.StartVat) { s.Globals = []string{"setTimeout"} })
	if res.Error != "" {
		t.Fatal(res.Error)
	}
	got := call(t, v, `#["later",["$0.Alleged: target",5]]`, "o-1")
	expectSyscalls(t, withoutCounters(got), `resolve p-1 ok #"scheduled" []`)
	select {
	case <-v.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("the timer did not fire")
	}
	v.RunPending()
	select {
	case <-wants:
	default:
		t.Fatal("no wantCrank after the callback's send")
	}
	flushed := deliverOK(t, v, &workerpb.Delivery{Kind: &workerpb.Delivery_Flush{Flush: &workerpb.Empty{}}})
	if len(flushed) < 2 || !strings.HasPrefix(flushed[0], `send o-1 #["tick",["from a timer"]] [] p+`) ||
		!strings.HasPrefix(flushed[1], "subscribe p+") {
		t.Fatalf("flush: %q", flushed)
	}
	// Without a flush, the next delivery carries them, before its own.
	call(t, v, `#["later",["$0.Alleged: target",1]]`, "o-1")
	<-v.Ready()
	v.RunPending()
	got = withoutCounters(call(t, v, `#["evaluate",["1 + 1"]]`))
	if len(got) != 3 || !strings.HasPrefix(got[0], "send o-1 ") || got[2] != `resolve p-1 ok #2 []` {
		t.Fatalf("delivery after a callback: %q", got)
	}
	// Closing tears the timers down: nothing fires any more.
	v.Deliver(&workerpb.Delivery{Kind: &workerpb.Delivery_StopVat{StopVat: &workerpb.Empty{}}})
	if v.loop.enqueue(func() {}) {
		t.Fatal("the loop accepts callbacks after stopVat")
	}
}
