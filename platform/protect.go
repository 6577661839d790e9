package platform

import (
	"math"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/ocapgo/ocap/proto/workerpb"
)

// markCloseOnExec marks every descriptor above stderr close-on-exec just
// before a worker starts: Go opens its own files close-on-exec, but code
// beneath it need not (the SQLite driver's database files, for one), and a
// descriptor left open would hand the worker the kernel's store.
func markCloseOnExec() {
	if unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC) == nil {
		return
	}
	// Kernels before 5.11: one descriptor at a time.
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
		}
	}
}

var protectOnce sync.Once

// protectKernel makes the kernel process non-dumpable: its /proc files
// (mem, environ, fd, ...) then belong to root and processes of its own
// user, workers included, can neither read them nor attach to it.
func protectKernel() {
	protectOnce.Do(func() { _ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0) })
}

// noteSandbox warns, once per kernel, of each protection a worker's
// sandbox lacks on this host.
func (s *Services) noteSandbox(vat string, sb *workerpb.Sandbox) {
	for _, missing := range sb.GetMissing() {
		what, _, _ := strings.Cut(missing, ":")
		if _, seen := s.warned.LoadOrStore(what, true); !seen {
			s.opts.Logger.Warn("vat workers run without an OS protection this host does not offer", "protection", what, "detail", missing, "first_vat", vat)
		}
	}
}
