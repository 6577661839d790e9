package liveslots

import (
	"context"
	"testing"

	"github.com/ocapgo/ocap/bundle"
)

func TestZZRealBundlePackage(t *testing.T) {
	b, err := bundle.Build(context.Background(), "/tmp/seedvat/weather-vat.ts")
	if err != nil {
		t.Fatal(err)
	}
	v := newVat(t)
	res := v.Deliver(startDelivery(b.Script, capdata(`#{"defaultCity":"London"}`), nil))
	if res.Error != "" {
		t.Fatal(res.Error)
	}
	t.Log(describeAll(res.Syscalls))
	got := call(t, v, `#["bootstrap",[{},{"weatherService":"$0.Alleged: weatherService"}]]`, "o-1")
	t.Log(got)
	got = call(t, v, `#["getWeatherReport",[]]`)
	t.Log(got)
}
