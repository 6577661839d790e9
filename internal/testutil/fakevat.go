package testutil

import (
	"os"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// Targets a FakeVat understands in a Message delivery.
const (
	TargetEcho      = "o+echo"      // answers with Pong set to the methargs body
	TargetSyscalls  = "o+syscalls"  // answers with FakeSyscalls()
	TargetWantCrank = "o+wantcrank" // asks for a crank from another goroutine
	TargetPanic     = "o+panic"     // panics
	TargetExit3     = "o+exit3"     // logs ExitMessage and exits the process with status 3
	TargetHang      = "o+hang"      // never returns
)

// ExitMessage is what a FakeVat logs before exiting on TargetExit3.
const ExitMessage = "fake vat exiting with status 3 as asked"

// FakeVat is a stand-in vat runtime for tests of the worker boundary. It
// answers ping with "pong", acts on the Message targets above, and answers
// anything else with the error "no vat runtime".
type FakeVat struct {
	logger    hclog.Logger
	wantCrank func()
}

// NewFakeVat has the shape of supervisor.Options.NewRuntime.
func NewFakeVat(logger hclog.Logger, wantCrank func()) (*FakeVat, error) {
	return &FakeVat{logger: logger, wantCrank: wantCrank}, nil
}

// Deliver answers d as described on FakeVat.
func (v *FakeVat) Deliver(d *workerpb.Delivery) *workerpb.DeliveryResult {
	if d.GetPing() != nil {
		return &workerpb.DeliveryResult{Pong: "pong"}
	}
	m := d.GetMessage()
	switch m.GetTarget() {
	case TargetEcho:
		return &workerpb.DeliveryResult{Pong: m.GetMethargs().GetBody()}
	case TargetSyscalls:
		return &workerpb.DeliveryResult{Syscalls: FakeSyscalls()}
	case TargetWantCrank:
		go v.wantCrank()
		return &workerpb.DeliveryResult{}
	case TargetPanic:
		panic("fake vat panics as asked")
	case TargetExit3:
		v.logger.Error(ExitMessage)
		os.Exit(3)
	case TargetHang:
		select {}
	}
	return &workerpb.DeliveryResult{Error: "no vat runtime"}
}

// Close does nothing.
func (v *FakeVat) Close() {}

// FakeSyscalls is what a FakeVat answers TargetSyscalls with.
func FakeSyscalls() []*workerpb.Syscall {
	return []*workerpb.Syscall{
		{Kind: &workerpb.Syscall_Send{Send: &workerpb.Send{
			Target:   "o-1",
			Methargs: &workerpb.CapData{Body: `#["hello",["world"]]`},
			Result:   "p+5",
		}}},
		{Kind: &workerpb.Syscall_Subscribe{Subscribe: "p+5"}},
		{Kind: &workerpb.Syscall_VatstoreSet{VatstoreSet: &workerpb.VatstoreEntry{Key: "k", Value: "v"}}},
	}
}

// Message is a Message delivery to target with body as its methargs.
func Message(target, body string) *workerpb.Delivery {
	return &workerpb.Delivery{Kind: &workerpb.Delivery_Message{Message: &workerpb.Message{
		Target:   target,
		Methargs: &workerpb.CapData{Body: body},
	}}}
}

// Ping is a ping delivery.
func Ping() *workerpb.Delivery {
	return &workerpb.Delivery{Kind: &workerpb.Delivery_Ping{Ping: &workerpb.Empty{}}}
}
