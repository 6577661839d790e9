// Package sandbox confines a vat-worker process before any vat code runs, so
// that a worker taken over through a bug in the JavaScript engine can reach
// no more than the vat it runs could: its one connection to the kernel and,
// for a vat with fetch, outgoing TCP.
//
// Apply layers, each independent of the others, on Linux:
//
//   - a memory cap: RLIMIT_DATA at the vat's memory limit (the allocation
//     that crosses it kills the worker with "out of memory"), and the Go
//     runtime's soft limit a little below it, so garbage is collected first;
//   - no capabilities, on every thread;
//   - Landlock: no filesystem access at all (a vat with fetch may read the
//     few files DNS resolution reads), no TCP bind, no TCP connect without
//     fetch, and no signals or abstract unix sockets outside the worker;
//   - no_new_privs and a seccomp allowlist on every thread: no exec, no new
//     processes (threads only), no ptrace or process_vm_*, no mount,
//     unshare, bpf or io_uring, and no new sockets except TCP/IP ones for a
//     vat with fetch.
//
// A mechanism the host lacks is skipped and named in Status.Missing; the
// rest still apply. Landlock and seccomp only tighten: nothing undoes them.
package sandbox

import (
	"fmt"
	"strings"

	"github.com/ocapgo/ocap/internal/bytesize"
)

// Policy is what one vat's worker may keep.
type Policy struct {
	// Network keeps outgoing TCP connections (the vat has fetch).
	Network bool
	// MemoryLimit caps the worker's memory, in bytes; 0 leaves it uncapped.
	MemoryLimit int64
}

// Status says which protections a worker has in force.
type Status struct {
	NoNewPrivs   bool
	Seccomp      bool
	CapsDropped  bool
	LandlockABI  int  // the Landlock ABI version enforced; 0: none
	LandlockNet  bool // Landlock restricts TCP (ABI 4 and later)
	MemoryLimit  int64
	MemoryRlimit bool // MemoryLimit is enforced by RLIMIT_DATA, not only by the Go runtime
	// Missing names each protection that could not be applied, and why.
	Missing []string
}

func (s *Status) missing(what string, err error) {
	s.Missing = append(s.Missing, fmt.Sprintf("%s: %v", what, err))
}

// String is one line for logs and 'kernel doctor'.
func (s Status) String() string {
	var on []string
	add := func(ok bool, name string) {
		if ok {
			on = append(on, name)
		}
	}
	add(s.NoNewPrivs, "no_new_privs")
	add(s.Seccomp, "seccomp")
	add(s.CapsDropped, "no capabilities")
	if s.LandlockABI > 0 {
		on = append(on, fmt.Sprintf("landlock ABI %d", s.LandlockABI))
	}
	if s.MemoryLimit > 0 {
		how := "go soft limit"
		if s.MemoryRlimit {
			how = "RLIMIT_DATA"
		}
		on = append(on, fmt.Sprintf("memory %s (%s)", bytesize.Format(s.MemoryLimit), how))
	}
	line := strings.Join(on, ", ")
	if line == "" {
		line = "none"
	}
	if len(s.Missing) > 0 {
		line += "; missing: " + strings.Join(s.Missing, "; ")
	}
	return line
}
