package platform

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/internal/testutil"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// launch starts a worker and kills it when the test ends.
func launch(t *testing.T, s *Services, vatID string) Worker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testutil.Patience)
	defer cancel()
	w, err := s.Launch(ctx, WorkerSpec{VatID: vatID, VatName: "alice", SubclusterID: "s1"})
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	t.Cleanup(func() { _ = w.Kill() })
	return w
}

func newFakeServices(t *testing.T) *Services {
	s := New(fakeWorkerOptions(t))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func deliverTo(t *testing.T, w Worker, d *workerpb.Delivery) (*workerpb.DeliveryResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testutil.Patience)
	defer cancel()
	return w.Deliver(ctx, d)
}

func isDone(w Worker) bool {
	select {
	case <-w.Done():
		return true
	default:
		return false
	}
}

// procFile reads /proc/<pid>/<name>.
func procFile(t *testing.T, pid int, name string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// parentAndGroup reads a process's parent and process group from
// /proc/<pid>/stat.
func parentAndGroup(t *testing.T, pid int) (ppid, pgrp int) {
	t.Helper()
	stat := procFile(t, pid, "stat")
	fields := strings.Fields(stat[strings.LastIndexByte(stat, ')')+1:])
	ppid, err1 := strconv.Atoi(fields[1])
	pgrp, err2 := strconv.Atoi(fields[2])
	if err := errors.Join(err1, err2); err != nil {
		t.Fatalf("parsing %q: %v", stat, err)
	}
	return ppid, pgrp
}

func TestLaunchPing(t *testing.T) {
	t.Setenv("OCAP_KERNEL_ONLY_SECRET", "do-not-leak")
	w := launch(t, newFakeServices(t), "v1")

	r, err := deliverTo(t, w, testutil.Ping())
	if err != nil {
		t.Fatal(err)
	}
	if r.GetPong() != "pong" {
		t.Fatalf("ping answered %v", r)
	}
	ppid, pgrp := parentAndGroup(t, w.PID())
	if ppid != os.Getpid() {
		t.Errorf("worker's parent is %d, want the kernel %d", ppid, os.Getpid())
	}
	if pgrp != w.PID() {
		t.Errorf("worker is in process group %d, want its own (%d)", pgrp, w.PID())
	}
	r, err = deliverTo(t, w, testutil.Message(targetPdeathsig, "#[]"))
	if err != nil {
		t.Fatal(err)
	}
	if r.GetPong() != strconv.Itoa(int(syscall.SIGKILL)) {
		t.Errorf("worker's parent-death signal is %q, want SIGKILL", r.GetPong()+r.GetError())
	}
	if cmdline := procFile(t, w.PID(), "cmdline"); !strings.Contains(cmdline, "vat-worker") {
		t.Errorf("worker command line %q lacks vat-worker", cmdline)
	}
	env := procFile(t, w.PID(), "environ")
	if strings.Contains(env, "OCAP_KERNEL_ONLY_SECRET") {
		t.Error("the kernel's environment leaked into the worker")
	}
	if !strings.Contains(env, roleEnv+"=worker") {
		t.Error("Options.Env did not reach the worker")
	}
	if w.Err() != nil || isDone(w) {
		t.Fatalf("live worker reports Err %v, done %v", w.Err(), isDone(w))
	}
	if dir := w.(*worker).proc.socketDir; dir == "" {
		t.Error("worker has no socket folder")
	} else if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket folder %s still there once connected: %v", dir, err)
	}
}

// TestLargeDelivery sends more than gRPC's default 4 MB message limit both
// ways, as a StartVat with a large bundle does.
func TestLargeDelivery(t *testing.T) {
	w := launch(t, newFakeServices(t), "v1")
	body := "#" + strings.Repeat("x", 6<<20)
	r, err := deliverTo(t, w, testutil.Message(testutil.TargetEcho, body))
	if err != nil {
		t.Fatal(err)
	}
	if r.GetPong() != body {
		t.Fatalf("echo of a %d-byte body came back with %d bytes", len(body), len(r.GetPong()))
	}
}

func TestKill(t *testing.T) {
	w := launch(t, newFakeServices(t), "v1")
	pid := w.PID()
	if err := w.Kill(); err != nil {
		t.Fatal(err)
	}
	if !isDone(w) {
		t.Fatal("Done not closed after Kill returned")
	}
	testutil.WaitFor(t, testutil.Patience, "the killed worker to be gone", func() bool { return testutil.ProcessGone(pid) })
	if err := w.Err(); !errors.Is(err, ErrWorkerExited) || !strings.Contains(err.Error(), "killed by the kernel") {
		t.Fatalf("Err after Kill = %v", err)
	}
	if err := w.Kill(); err != nil {
		t.Fatalf("second Kill: %v", err)
	}
	if _, err := deliverTo(t, w, testutil.Ping()); !errors.Is(err, ErrWorkerExited) {
		t.Fatalf("Deliver to a killed worker: %v", err)
	}
}

// syncBuffer is a log destination tests can read while workers write.
type syncBuffer = testutil.SyncBuffer

func TestWorkerExitMidDelivery(t *testing.T) {
	logs := &syncBuffer{}
	opts := fakeWorkerOptions(t)
	opts.Logger = hclog.New(&hclog.LoggerOptions{Name: "kernel", Output: logs, Level: hclog.Info})
	s := New(opts)
	t.Cleanup(func() { _ = s.Close() })
	w := launch(t, s, "v7")

	_, err := deliverTo(t, w, testutil.Message(testutil.TargetExit3, "#[]"))
	if !errors.Is(err, ErrWorkerExited) {
		t.Fatalf("Deliver to a worker that exits: %v", err)
	}
	for _, want := range []string{"exit status 3", testutil.ExitMessage, "v7"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 3 {
		t.Errorf("error does not carry exit code 3: %v", err)
	}
	if !isDone(w) || !errors.Is(w.Err(), ErrWorkerExited) {
		t.Errorf("after the exit: done %v, Err %v", isDone(w), w.Err())
	}
	if _, err := deliverTo(t, w, testutil.Ping()); !errors.Is(err, ErrWorkerExited) {
		t.Errorf("Deliver after the exit: %v", err)
	}
	// The worker's stderr is re-logged under the vat's logger.
	out := logs.String()
	if !strings.Contains(out, "kernel.vat-worker.v7") || !strings.Contains(out, testutil.ExitMessage) {
		t.Errorf("worker log line not re-logged as kernel.vat-worker.v7:\n%s", out)
	}
}

func TestDeliverCancelledKillsWorker(t *testing.T) {
	w := launch(t, newFakeServices(t), "v1")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := w.Deliver(ctx, testutil.Message(testutil.TargetHang, "#[]"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("abandoned Deliver: %v", err)
	}
	if !isDone(w) {
		t.Fatal("worker still running after an abandoned delivery")
	}
}

func TestDeliverWaitingForItsTurnDoesNotKill(t *testing.T) {
	w := launch(t, newFakeServices(t), "v1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := make(chan error, 1)
	go func() {
		_, err := w.Deliver(ctx, testutil.Message(testutil.TargetHang, "#[]"))
		first <- err
	}()
	// The first delivery holds the turn (the worker is busy forever); a
	// second caller gives up waiting before its delivery is sent.
	testutil.WaitFor(t, testutil.Patience, "the first delivery to be in flight", func() bool {
		return len(w.(*worker).stream.turn) == 1
	})
	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	if _, err := w.Deliver(short, testutil.Ping()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Deliver that gave up waiting: %v", err)
	}
	if isDone(w) {
		t.Fatal("a Deliver that never sent anything killed the worker")
	}
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) || !isDone(w) {
		t.Fatalf("abandoned in-flight delivery: %v, worker done %v", err, isDone(w))
	}
}

func TestWorkerExitsWhenStreamCloses(t *testing.T) {
	w := launch(t, newFakeServices(t), "v1")
	w.(*worker).stream.close()
	testutil.WaitFor(t, testutil.Patience, "the worker to exit by itself", func() bool { return isDone(w) })
	if err := w.Err(); !strings.Contains(err.Error(), "exit status 0") {
		t.Fatalf("worker whose stream closed: %v", err)
	}
}

func TestWantCrankFromWorker(t *testing.T) {
	w := launch(t, newFakeServices(t), "v1")
	if _, err := deliverTo(t, w, testutil.Message(testutil.TargetWantCrank, "#[]")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.WantCrank():
	case <-time.After(testutil.Patience):
		t.Fatal("WantCrank did not arrive")
	}
}

func TestCloseKillsAll(t *testing.T) {
	s := New(fakeWorkerOptions(t))
	a, b := launch(t, s, "v1"), launch(t, s, "v2")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, w := range []Worker{a, b} {
		if !isDone(w) {
			t.Errorf("worker %d alive after Close", w.PID())
		}
	}
	if _, err := s.Launch(context.Background(), WorkerSpec{VatID: "v3"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Launch after Close: %v", err)
	}
}

func TestLaunchCancelled(t *testing.T) {
	s := newFakeServices(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Launch(ctx, WorkerSpec{VatID: "v1"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Launch with a cancelled ctx: %v", err)
	}
}

func TestLaunchNotAWorker(t *testing.T) {
	opts := fakeWorkerOptions(t)
	opts.WorkerPath = "/bin/true"
	s := New(opts)
	t.Cleanup(func() { _ = s.Close() })
	_, err := s.Launch(context.Background(), WorkerSpec{VatID: "v1"})
	if err == nil || !strings.Contains(err.Error(), "v1") {
		t.Fatalf("Launch of /bin/true: %v", err)
	}
}

// TestKernelDeathKillsWorker kills a stand-in kernel with SIGKILL and sees
// its worker go too.
func TestKernelDeathKillsWorker(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), roleEnv+"=launcher")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the worker pid from the launcher: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	if testutil.ProcessGone(pid) {
		t.Fatal("worker gone before its kernel died")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, testutil.Patience, "the orphaned worker to die", func() bool { return testutil.ProcessGone(pid) })
}
