package liveslots

import (
	"sort"
	"testing"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// vatstoreAfter applies a delivery's vatstore syscalls to a snapshot, as
// the kernel would persist them.
func vatstoreAfter(store map[string]string, res *workerpb.DeliveryResult) {
	for _, s := range res.GetSyscalls() {
		switch k := s.GetKind().(type) {
		case *workerpb.Syscall_VatstoreSet:
			store[k.VatstoreSet.GetKey()] = k.VatstoreSet.GetValue()
		case *workerpb.Syscall_VatstoreDelete:
			delete(store, k.VatstoreDelete)
		}
	}
}

func snapshotOf(store map[string]string) []*workerpb.VatstoreEntry {
	keys := make([]string, 0, len(store))
	for k := range store {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*workerpb.VatstoreEntry, len(keys))
	for i, k := range keys {
		out[i] = &workerpb.VatstoreEntry{Key: k, Value: store[k]}
	}
	return out
}

// TestSeedWeatherVat runs the seed guide's weather vat, bundled by esbuild,
// through bootstrap, a report that awaits two service calls, and a restart
// that restores the service from baggage.
func TestSeedWeatherVat(t *testing.T) {
	store := map[string]string{}
	params := capdata(`#{"defaultCity":"London"}`)
	v, res := startVatFile(t, "weather.js", params, nil)
	vatstoreAfter(store, res)

	step := func(v *Vat, d *workerpb.Delivery, want ...string) {
		t.Helper()
		res := v.Deliver(d)
		if res.Error != "" {
			t.Fatalf("delivery error: %s", res.Error)
		}
		vatstoreAfter(store, res)
		expectSyscalls(t, withoutCounters(describeAll(res.Syscalls)), want...)
	}
	step(v, messageDelivery("o+0", capdata(
		`#["bootstrap",[{},{"weatherService":"$0.Alleged: weatherService"}]]`, "o-1"), "p-1"),
		`vatstoreSet vom.pindexed 1`,
		`vatstoreSet vom.pi.baggage.weatherService o-1`,
		`vatstoreSet baggage.weatherService {"body":"#\"$0.Alleged: weatherService\"","slots":["o-1"]}`,
		`resolve p-1 ok #"#undefined" []`)
	step(v, messageDelivery("o+0", capdata(`#["getWeatherReport",["Paris"]]`), "p-2"),
		`send o-1 #["getTemperature",["Paris"]] [] p+1`,
		`subscribe p+1`)
	step(v, notifyDelivery(resolution("p+1", false, `#21`)),
		`send o-1 #["getForecast",["Paris",3]] [] p+2`,
		`subscribe p+2`)
	step(v, notifyDelivery(resolution("p+2", false, `#["sun","rain","sun"]`)),
		`resolve p-2 ok #"Paris: 21C. Next 3 days: sun, rain, sun" []`)

	// Restart: a fresh runtime, the same parameters and vatstore; the
	// service comes back from baggage and vrefs do not repeat.
	v2, res := startVatFile(t, "weather.js", params, snapshotOf(store))
	expectSyscalls(t, describeAll(res.Syscalls))
	step(v2, messageDelivery("o+0", capdata(`#["getWeatherReport",[]]`), "p-3"),
		`send o-1 #["getTemperature",["London"]] [] p+3`,
		`subscribe p+3`)
}
