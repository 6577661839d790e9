package platform

import (
	"fmt"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/sys/unix"
)

// HostProtections says which OS protections this host offers vat workers
// (see package supervisor/sandbox, which applies them).
type HostProtections struct {
	Seccomp      bool `json:"seccomp"`
	NoNewPrivs   bool `json:"noNewPrivs"`
	LandlockABI  int  `json:"landlockAbi"`   // 0: no Landlock
	LandlockTCP  bool `json:"landlockTcp"`   // TCP rules (ABI 4)
	LandlockIPC  bool `json:"landlockScope"` // signal and abstract-socket scoping (ABI 6)
	MemoryRlimit bool `json:"memoryRlimit"`  // RLIMIT_DATA caps a worker's memory
	// Missing says, for each protection the host lacks, what it is.
	Missing []string `json:"missing"`
}

// ProbeHost asks the running Linux kernel which protections it offers,
// without applying any.
func ProbeHost() HostProtections {
	h := HostProtections{NoNewPrivs: true, MemoryRlimit: true, Missing: []string{}}
	if h.Seccomp = seccomp.Supported(); !h.Seccomp {
		h.Missing = append(h.Missing, "seccomp: not supported by this host's kernel")
	}
	abi, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if errno != 0 {
		h.Missing = append(h.Missing, fmt.Sprintf("landlock: %v (needs Linux 5.13+ with landlock in the lsm= boot list)", errno))
		return h
	}
	h.LandlockABI, h.LandlockTCP, h.LandlockIPC = int(abi), abi >= 4, abi >= 6
	if !h.LandlockTCP {
		h.Missing = append(h.Missing, fmt.Sprintf("landlock TCP rules: the host's Landlock ABI is %d, they need 4", abi))
	}
	if !h.LandlockIPC {
		h.Missing = append(h.Missing, fmt.Sprintf("landlock scoping: the host's Landlock ABI is %d, it needs 6", abi))
	}
	return h
}
