//go:build !unix

package supervisor

import "time"

// cpuTime counts wall time where the process's CPU time is not read.
func cpuTime() time.Duration { return wallSinceStart() }
