package platform

import (
	"os"
	"runtime"
	"testing"
	"time"
)

func TestReadSchedulingCountsRunningTime(t *testing.T) {
	before, ok := ReadScheduling(os.Getpid())
	if !ok {
		if runtime.GOOS == "linux" {
			t.Fatal("cannot read /proc/<pid>/task/*/schedstat")
		}
		t.Skip("no /proc/<pid>/task/*/schedstat on this system")
	}
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
	}
	after, ok := ReadScheduling(os.Getpid())
	if !ok || after.Running-before.Running < 10*time.Millisecond {
		t.Errorf("50 ms of spinning counted %v running", after.Running-before.Running)
	}
	if _, ok := ReadScheduling(-1); ok {
		t.Error("a bad pid read")
	}
}
