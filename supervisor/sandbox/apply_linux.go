package sandbox

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"runtime"
	"runtime/debug"
	"time"
	"unsafe"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
	"kernel.org/pub/linux/libs/security/libcap/psx"
)

// resolverFiles are what Go's DNS resolver reads, again every few seconds:
// a vat with fetch keeps read access to them, and to nothing else.
var resolverFiles = []string{"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf"}

// Apply confines the calling process, all threads, for good. Call it once,
// before any vat code runs and after the worker's connection to the kernel
// is open.
func Apply(p Policy) Status {
	var s Status
	limitMemory(p, &s)
	prepare(p)
	if err := dropCapabilities(); err != nil {
		s.missing("dropping capabilities", err)
	} else {
		s.CapsDropped = true
	}
	// Other processes of its user may not read its memory or attach to it.
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	restrictLandlock(p, &s)
	if err := loadSeccomp(p); err != nil {
		s.missing("seccomp", err)
	} else {
		s.Seccomp, s.NoNewPrivs = true, true
	}
	if !s.NoNewPrivs && s.LandlockABI > 0 {
		s.NoNewPrivs = true // Landlock sets it on every thread too
	}
	return s
}

// limitMemory sets the memory cap: the Go runtime collects garbage harder
// as the heap nears seven eighths of it, and the allocation that crosses
// the whole of it fails, which stops the process with "out of memory".
func limitMemory(p Policy, s *Status) {
	if p.MemoryLimit <= 0 {
		return
	}
	s.MemoryLimit = p.MemoryLimit
	debug.SetMemoryLimit(p.MemoryLimit / 8 * 7)
	if raceEnabled {
		// The race detector's shadow memory alone is far above any cap.
		s.missing("RLIMIT_DATA", errors.New("not set in a race-detector build"))
		return
	}
	lim := unix.Rlimit{Cur: uint64(p.MemoryLimit), Max: uint64(p.MemoryLimit)}
	if err := unix.Setrlimit(unix.RLIMIT_DATA, &lim); err != nil {
		s.missing("RLIMIT_DATA", err)
		return
	}
	s.MemoryRlimit = true
}

// prepare reads, while files can still be read, what the Go runtime would
// otherwise read lazily later: the local time zone and, for fetch, the
// system's TLS roots. DNS goes through Go's own resolver, whose files stay
// readable, rather than the C library's, which loads modules.
func prepare(p Policy) {
	_ = time.Local.String()
	if p.Network {
		_, _ = x509.SystemCertPool()
		net.DefaultResolver.PreferGo = true
	}
}

// dropCapabilities empties every thread's capability sets, bounding set
// included: a worker started by root is root without root's powers.
func dropCapabilities() error {
	for c := 0; c <= unix.CAP_LAST_CAP; c++ {
		if _, _, errno := psx.Syscall3(unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(c), 0); errno != 0 && errno != unix.EINVAL && errno != unix.EPERM {
			return errno
		}
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	_, _, errno := psx.Syscall3(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0)
	runtime.KeepAlive(&hdr)
	runtime.KeepAlive(&data)
	if errno != 0 {
		return errno
	}
	return nil
}

// restrictLandlock takes away the filesystem, TCP as the policy says, and
// signals and abstract sockets reaching outside the worker.
func restrictLandlock(p Policy, s *Status) {
	abi, err := llsys.LandlockGetABIVersion()
	if err != nil || abi < 1 {
		if err == nil {
			err = errors.New("not enabled")
		}
		s.missing("landlock", err)
		return
	}
	cfg := landlock.V11
	if !p.Network {
		cfg.HandledAccessNet = landlock.AccessNetSet(llsys.AccessNetBindTCP | llsys.AccessNetConnectTCP)
	} else {
		cfg.HandledAccessNet = landlock.AccessNetSet(llsys.AccessNetBindTCP)
	}
	var rules []landlock.Rule
	if p.Network {
		rules = append(rules, landlock.ROFiles(resolverFiles...).IgnoreIfMissing())
	}
	rules = append(rules, raceLogRules()...)
	if err := cfg.BestEffort().Restrict(rules...); err != nil {
		s.missing("landlock", err)
		return
	}
	s.LandlockABI = abi
	s.LandlockNet = abi >= 4
	if abi < 4 {
		s.missing("landlock TCP rules", fmt.Errorf("the host's Landlock ABI is %d, TCP rules need 4", abi))
	}
}
