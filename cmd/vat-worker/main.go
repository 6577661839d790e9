// Command vat-worker runs one vat in its own process. The kernel starts it
// through go-plugin; run by hand, it says so and exits.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"

	"github.com/ocapgo/ocap/supervisor"
)

// profileDirEnv, when set (through platform.Options.Env), makes each worker
// write a CPU profile of its life to that folder: how `make bench` sees
// where a crank's time goes on the vat side.
const profileDirEnv = "OCAP_WORKER_CPUPROFILE_DIR"

func main() {
	if dir := os.Getenv(profileDirEnv); dir != "" {
		if f, err := os.Create(filepath.Join(dir, fmt.Sprintf("vat-worker-%d.prof", os.Getpid()))); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	supervisor.Serve(supervisor.Options{NewRuntime: newRuntime})
}
