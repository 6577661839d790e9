package platform

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"unsafe"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/supervisor"
)

// roleEnv makes the test binary play another process: "worker" serves a
// FakeVat as a vat-worker; "launcher" is a stand-in kernel that launches a
// worker, prints its pid and waits to be killed.
const roleEnv = "OCAP_PLATFORM_TEST_ROLE"

// mainPdeathsig is the parent-death signal of a test worker's main thread.
// The setting is per thread and only the main thread's counts; package
// initialisation runs on the main thread, so init reads it.
var mainPdeathsig = -1

func init() {
	if os.Getenv(roleEnv) != "worker" {
		return
	}
	var sig int32
	_, _, errno := syscall.Syscall(syscall.SYS_PRCTL, syscall.PR_GET_PDEATHSIG, uintptr(unsafe.Pointer(&sig)), 0)
	if errno == 0 {
		mainPdeathsig = int(sig)
	}
}

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "worker":
		supervisor.Serve(supervisor.Options{NewRuntime: fakeRuntime})
		os.Exit(0)
	case "launcher":
		os.Exit(runLauncher())
	case "hostile":
		serveHostileWorker()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func fakeRuntime(logger hclog.Logger, wantCrank func()) (supervisor.Runtime, error) {
	v, err := testutil.NewFakeVat(logger, wantCrank)
	return probeVat{v}, err
}

// targetPdeathsig asks a test worker for its parent-death signal.
const targetPdeathsig = "o+pdeathsig"

// probeVat is a FakeVat that also reports on its own process.
type probeVat struct{ *testutil.FakeVat }

func (v probeVat) Deliver(d *workerpb.Delivery) *workerpb.DeliveryResult {
	if d.GetMessage().GetTarget() == targetPdeathsig {
		return &workerpb.DeliveryResult{Pong: strconv.Itoa(mainPdeathsig)}
	}
	return v.FakeVat.Deliver(d)
}

// fakeWorkerOptions launches the test binary itself as a worker serving a
// FakeVat.
func fakeWorkerOptions(t testing.TB) Options {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Options{WorkerPath: exe, Env: []string{roleEnv + "=worker"}, Logger: testutil.Logger(t)}
}

func runLauncher() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s := New(Options{WorkerPath: exe, Env: []string{roleEnv + "=worker"}, Logger: hclog.NewNullLogger()})
	w, err := s.Launch(context.Background(), WorkerSpec{VatID: "v1"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(w.PID())
	<-w.Done()
	return 0
}
