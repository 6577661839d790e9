package platform

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Scheduling is what a process has had from the CPU scheduler, summed over
// its threads: time running, and time runnable but waiting for a CPU.
type Scheduling struct {
	Running, Waiting time.Duration
}

// ReadScheduling reads a process's Scheduling from Linux's
// /proc/<pid>/task/*/schedstat; ok is false where that cannot be read.
// The kernel uses it to tell a worker that is slow because the machine is
// busy (waiting) from one that spins past its own time limit (running) or
// hangs (neither).
func ReadScheduling(pid int) (s Scheduling, ok bool) {
	if pid <= 0 {
		return s, false
	}
	dir := filepath.Join("/proc", strconv.Itoa(pid), "task")
	tasks, err := os.ReadDir(dir)
	if err != nil || len(tasks) == 0 {
		return s, false
	}
	for _, task := range tasks {
		data, err := os.ReadFile(filepath.Join(dir, task.Name(), "schedstat"))
		if err != nil {
			continue // a thread that just exited
		}
		f := strings.Fields(string(data))
		if len(f) < 2 {
			return s, false
		}
		run, err1 := strconv.ParseInt(f[0], 10, 64)
		wait, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return s, false
		}
		s.Running += time.Duration(run)
		s.Waiting += time.Duration(wait)
	}
	return s, true
}
