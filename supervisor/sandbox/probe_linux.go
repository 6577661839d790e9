package sandbox

import (
	"errors"
	"fmt"

	seccomp "github.com/elastic/go-seccomp-bpf"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// Probe says which protections Apply would put in force on this host, for
// a vat with fetch (the fewer restrictions) and memoryLimit, without
// applying any.
func Probe(memoryLimit int64) Status {
	s := Status{CapsDropped: true, MemoryLimit: memoryLimit, MemoryRlimit: memoryLimit > 0 && !raceEnabled}
	if seccomp.Supported() {
		s.Seccomp, s.NoNewPrivs = true, true
	} else {
		s.missing("seccomp", errNotSupported)
	}
	abi, err := llsys.LandlockGetABIVersion()
	switch {
	case err != nil:
		s.missing("landlock", err)
	case abi < 1:
		s.missing("landlock", errors.New("not enabled"))
	default:
		s.LandlockABI, s.LandlockNet, s.NoNewPrivs = abi, abi >= 4, true
		if abi < 4 {
			s.missing("landlock TCP rules", fmt.Errorf("the host's Landlock ABI is %d, TCP rules need 4", abi))
		}
	}
	return s
}
