//go:build race && linux

package sandbox

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/landlock-lsm/go-landlock/landlock"
)

const raceEnabled = true

// raceLogRules keeps the race detector's log folder writable (GORACE's
// log_path): a race found in a sandboxed worker must still be reported.
func raceLogRules() []landlock.Rule {
	for _, opt := range strings.Fields(os.Getenv("GORACE")) {
		if path, ok := strings.CutPrefix(opt, "log_path="); ok {
			return []landlock.Rule{landlock.RWDirs(filepath.Dir(path)).IgnoreIfMissing()}
		}
	}
	return nil
}
