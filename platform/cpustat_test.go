package platform

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/ocapgo/ocap/internal/testutil"
)

func TestReadSchedulingCountsRunningTime(t *testing.T) {
	before, ok := ReadScheduling(os.Getpid())
	if !ok {
		if runtime.GOOS == "linux" {
			t.Fatal("cannot read /proc/<pid>/task/*/schedstat")
		}
		t.Skip("no /proc/<pid>/task/*/schedstat on this system")
	}
	// Spin until 20 ms of running time show, however busy the machine.
	deadline := time.Now().Add(testutil.Patience)
	for {
		for end := time.Now().Add(10 * time.Millisecond); time.Now().Before(end); {
		}
		after, ok := ReadScheduling(os.Getpid())
		if !ok {
			t.Fatal("schedstat became unreadable")
		}
		if after.Running-before.Running >= 20*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("spinning for %v counted %v running", testutil.Patience, after.Running-before.Running)
		}
	}
	if _, ok := ReadScheduling(-1); ok {
		t.Error("a bad pid read")
	}
}
