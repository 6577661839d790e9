package sandbox

import (
	"runtime"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/sys/unix"
)

// allowed are the system calls a running worker makes: the Go runtime
// (memory, signals to itself, threads, timers, its poller), the C library's
// thread start, and I/O on descriptors it already holds. Anything else
// fails with EPERM.
var allowed = []string{
	// I/O on open descriptors; openat is for Landlock to refuse.
	"read", "write", "readv", "writev", "pread64", "pwrite64", "close", "lseek",
	"fstat", "newfstatat", "statx", "fcntl", "openat", "fsync", "fdatasync", "dup", "dup3", "pipe2",
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd2",
	"poll", "ppoll", "select", "pselect6",
	// Sockets already open: the kernel's connection, and fetch's.
	"accept", "accept4", "connect", "getsockopt", "setsockopt", "getsockname", "getpeername",
	"sendto", "recvfrom", "sendmsg", "recvmsg", "shutdown",
	// Memory.
	"mmap", "munmap", "mprotect", "madvise", "brk", "mremap", "mincore",
	// Signals, threads, time.
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall",
	"futex", "sched_yield", "sched_getaffinity", "set_robust_list", "get_robust_list", "rseq",
	"set_tid_address", "arch_prctl", "exit", "exit_group",
	"nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "time",
	"timer_create", "timer_settime", "timer_gettime", "timer_delete", "setitimer", "getitimer",
	// Asking about itself.
	"getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
	"getrandom", "uname", "sysinfo", "getrusage", "getrlimit",
}

// policy is the seccomp allowlist for a worker whose pid is self.
func policy(p Policy, self int) seccomp.Policy {
	info, _ := arch.GetInfo("")
	var names []string
	for _, n := range allowed {
		if _, ok := info.SyscallNames[n]; ok || info == nil {
			names = append(names, n) // names the architecture lacks are dropped
		}
	}
	arg := func(i uint32, op seccomp.Operation, v uint64) seccomp.Condition {
		return seccomp.Condition{Argument: i, Operation: op, Value: v}
	}
	const newNamespaces = unix.CLONE_NEWNS | unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET |
		unix.CLONE_NEWIPC | unix.CLONE_NEWUTS | unix.CLONE_NEWCGROUP
	conditional := []seccomp.NameWithConditions{
		// Threads, never processes or namespaces.
		{Name: "clone", Conditions: []seccomp.Condition{
			arg(0, seccomp.BitsSet, unix.CLONE_THREAD),
			arg(0, seccomp.BitsNotSet, newNamespaces),
		}},
		// Signals and limits for itself only.
		{Name: "kill", Conditions: []seccomp.Condition{arg(0, seccomp.Equal, uint64(self))}},
		{Name: "tgkill", Conditions: []seccomp.Condition{arg(0, seccomp.Equal, uint64(self))}},
		{Name: "prlimit64", Conditions: []seccomp.Condition{arg(0, seccomp.Equal, 0)}},
	}
	if p.Network {
		for _, family := range []uint64{unix.AF_INET, unix.AF_INET6} {
			conditional = append(conditional, seccomp.NameWithConditions{
				Name: "socket", Conditions: []seccomp.Condition{arg(0, seccomp.Equal, family)},
			})
		}
	}
	return seccomp.Policy{
		DefaultAction: seccomp.ActionErrno,
		Syscalls: []seccomp.SyscallGroup{
			{Names: names, NamesWithCondtions: conditional, Action: seccomp.ActionAllow},
			// The C library starts threads with clone3 unless told it
			// does not exist; its flags are out of a filter's reach.
			{Names: []string{"clone3"}, Action: seccomp.ActionErrno | seccomp.Action(unix.ENOSYS)},
		},
	}
}

// loadSeccomp sets no_new_privs and installs the allowlist on every thread.
func loadSeccomp(p Policy) error {
	if !seccomp.Supported() {
		return errNotSupported
	}
	runtime.LockOSThread() // no_new_privs is set on this thread; TSYNC carries it to the others
	defer runtime.UnlockOSThread()
	return seccomp.LoadFilter(seccomp.Filter{
		NoNewPrivs: true,
		Flag:       seccomp.FilterFlagTSync,
		Policy:     policy(p, unix.Getpid()),
	})
}
