package control

import (
	"fmt"
	"os"
	"path/filepath"
)

// DefaultSocketPath is where the daemon listens, and clients call, when no
// socket is given: $XDG_RUNTIME_DIR/ocap/kernel.sock. Without
// XDG_RUNTIME_DIR (a session without a login manager, a container) it is
// ocap-<uid>/kernel.sock in the temporary folder ($TMPDIR, else /tmp): a
// per-user folder that the daemon creates with mode 0700 and refuses to use
// if it belongs to someone else or others may enter it.
func DefaultSocketPath() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "ocap", "kernel.sock")
	}
	return filepath.Join(FallbackSocketDir(), "kernel.sock")
}

// FallbackSocketDir is the per-user folder of the default socket when
// XDG_RUNTIME_DIR is unset.
func FallbackSocketDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("ocap-%d", os.Getuid()))
}
