package platform

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"unsafe"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sys/unix"

	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/supervisor"
)

// A hostile worker is the test binary serving a runtime that, asked to,
// does what a vat-worker taken over through an engine bug could: it runs
// after the supervisor put the process in its sandbox at StartVat, like
// any vat code.

// targetAttack makes a hostile worker try every attack on the targets in
// the message's body and answer, in Pong, how each one failed.
const targetAttack = "o+attack"

// attackTargets are what the test kernel offers to be attacked.
type attackTargets struct {
	Store  string // a file the kernel holds open, as its store
	Socket string // a unix socket the kernel listens on, as its control socket
	TCP    string // a TCP address the kernel listens on
}

func serveHostileWorker() {
	supervisor.Serve(supervisor.Options{NewRuntime: func(hclog.Logger, func()) (supervisor.Runtime, error) {
		return hostileVat{}, nil
	}})
}

type hostileVat struct{}

func (hostileVat) Close() {}

func (hostileVat) Deliver(d *workerpb.Delivery) *workerpb.DeliveryResult {
	m := d.GetMessage()
	if m.GetTarget() != targetAttack {
		return &workerpb.DeliveryResult{} // StartVat, ping: nothing to do
	}
	var t attackTargets
	if err := json.Unmarshal([]byte(m.GetMethargs().GetBody()), &t); err != nil {
		return &workerpb.DeliveryResult{Error: err.Error()}
	}
	out, _ := json.Marshal(attack(t))
	return &workerpb.DeliveryResult{Pong: string(out)}
}

// reachTargets tries to reach each target and returns, for each attempt,
// the error that stopped it, or "" for one that succeeded.
func reachTargets(t attackTargets) map[string]string {
	results := map[string]string{}
	try(results, "read the store", openFile(t.Store, os.O_RDONLY))
	try(results, "write the store", openFile(t.Store, os.O_RDWR))
	try(results, "use an inherited store descriptor", func() error { return inheritedFile(t.Store) })
	try(results, "connect to the control socket", func() error { return dial("unix", t.Socket) })
	try(results, "connect over TCP", func() error { return dial("tcp", t.TCP) })
	return results
}

// attack is reachTargets and every attack on the kernel process and the
// host besides.
func attack(t attackTargets) map[string]string {
	results := reachTargets(t)
	kernel := os.Getppid()
	proc := "/proc/" + strconv.Itoa(kernel) + "/"
	try(results, "open the kernel's memory", openFile(proc+"mem", os.O_RDONLY))
	try(results, "read the kernel's environment", openFile(proc+"environ", os.O_RDONLY))
	try(results, "read /etc/passwd", openFile("/etc/passwd", os.O_RDONLY))
	// Were exec allowed, the worker would become /bin/true and exit, and
	// the attack would get no answer.
	try(results, "exec a program", func() error { return syscall.Exec("/bin/true", []string{"true"}, nil) })
	try(results, "fork a process", forkProcess)
	try(results, "attach to the kernel with ptrace", func() error { return syscall.PtraceAttach(kernel) })
	try(results, "signal the kernel", func() error { return syscall.Kill(kernel, 0) })
	try(results, "read the kernel's memory with process_vm_readv", func() error { return vmRead(kernel) })
	try(results, "create a user namespace", func() error { return syscall.Unshare(syscall.CLONE_NEWUSER) })
	return results
}

func try(results map[string]string, name string, f func() error) {
	results[name] = ""
	if err := f(); err != nil {
		results[name] = err.Error()
	}
}

func openFile(path string, flag int) func() error {
	return func() error {
		f, err := os.OpenFile(path, flag, 0)
		if err == nil {
			f.Close()
		}
		return err
	}
}

func dial(network, addr string) error {
	c, err := net.Dial(network, addr)
	if err == nil {
		c.Close()
	}
	return err
}

// inheritedFile looks through the descriptors the worker was started with
// for the store file.
func inheritedFile(store string) error {
	var want syscall.Stat_t
	if err := syscall.Stat(store, &want); err != nil {
		// Landlock refuses even a stat of the path; compare against
		// every regular file instead.
		want.Ino = 0
	}
	for fd := 3; fd < 1024; fd++ {
		var st syscall.Stat_t
		if syscall.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
			continue
		}
		if want.Ino == 0 || st.Ino == want.Ino {
			return nil
		}
	}
	return fmt.Errorf("no regular file among the inherited descriptors")
}

// forkProcess starts a child process the way fork does; a child that
// starts exits at once.
func forkProcess() error {
	pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if errno != 0 {
		return errno
	}
	if pid == 0 {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
	var ws syscall.WaitStatus
	_, _ = syscall.Wait4(int(pid), &ws, 0, nil)
	return nil
}

func vmRead(pid int) error {
	buf := make([]byte, 8)
	local := syscall.Iovec{Base: &buf[0], Len: 8}
	remote := []uintptr{0x400000, 8}
	_, _, errno := syscall.Syscall6(unix.SYS_PROCESS_VM_READV, uintptr(pid),
		uintptr(unsafe.Pointer(&local)), 1, uintptr(unsafe.Pointer(&remote[0])), 1, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
