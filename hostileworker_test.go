package ocap_test

// A compromised vat-worker, for the hostile suite: this test binary, run
// as a worker, serves vats with liveslots like the real one, except a vat
// named forge-<attack>, whose worker answers its "attack" message by
// attacking the kernel over the worker protocol itself, as a worker whose
// goja was exploited could.

import (
	"os"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/liveslots"
	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/supervisor"
)

// floodOver is the stderr flood's last line.
const floodOver = "stderr flood over"

// roleEnv makes this test binary serve as the hostile worker.
const roleEnv = "OCAP_ROOT_TEST_ROLE"

func serveHostileWorker() {
	supervisor.Serve(supervisor.Options{NewRuntime: func(logger hclog.Logger, wantCrank func()) (supervisor.Runtime, error) {
		v, err := liveslots.New(logger, wantCrank)
		if err != nil {
			return nil, err
		}
		return &forgingVat{Vat: v, wantCrank: wantCrank}, nil
	}})
}

// forgingVat is a liveslots vat whose worker attacks when asked.
type forgingVat struct {
	*liveslots.Vat
	wantCrank func()
	attack    string
}

func (f *forgingVat) Deliver(d *workerpb.Delivery) *workerpb.DeliveryResult {
	if s := d.GetStartVat(); s != nil {
		f.attack, _ = strings.CutPrefix(s.GetName(), "forge-")
		if f.attack == s.GetName() {
			f.attack = ""
		}
	}
	m := d.GetMessage()
	if f.attack == "" || m == nil || !strings.HasPrefix(m.GetMethargs().GetBody(), `#["attack"`) {
		return f.Vat.Deliver(d)
	}
	resolve := func(body string) *workerpb.Syscall {
		return &workerpb.Syscall{Kind: &workerpb.Syscall_Resolve{Resolve: &workerpb.Resolve{Resolutions: []*workerpb.Resolution{
			{Vref: m.GetResult(), Data: &workerpb.CapData{Body: body}},
		}}}}
	}
	switch f.attack {
	case "oversized": // one result of 65 MiB, past the kernel's 64 MiB message limit
		// (forge-oversized.json gives this worker the memory to build it)
		var body strings.Builder
		body.Grow(65<<20 + 3)
		body.WriteString(`#"`)
		body.WriteString(strings.Repeat("x", 65<<20))
		body.WriteString(`"`)
		return &workerpb.DeliveryResult{Syscalls: []*workerpb.Syscall{resolve(body.String())}}
	case "syscalls": // 200,000 syscalls in one result, four times maxSyscalls
		calls := make([]*workerpb.Syscall, 0, 200_000)
		for range 200_000 {
			calls = append(calls, &workerpb.Syscall{Kind: &workerpb.Syscall_VatstoreDelete{VatstoreDelete: "k"}})
		}
		return &workerpb.DeliveryResult{Syscalls: calls}
	case "cranks": // asks for cranks without pause for two seconds
		go func() {
			for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
				f.wantCrank()
			}
		}()
	case "stderr": // 16 MiB of raw lines on stderr, sixteen times the log rate
		go func() {
			chunk := []byte(strings.Repeat(strings.Repeat("x", 1023)+"\n", 64))
			for range 256 {
				if _, err := os.Stderr.Write(chunk); err != nil {
					return
				}
			}
			_, _ = os.Stderr.Write([]byte(floodOver + "\n"))
		}()
	}
	return &workerpb.DeliveryResult{Syscalls: []*workerpb.Syscall{resolve(`#"attacking"`)}}
}
