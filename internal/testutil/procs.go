package testutil

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ocapgo/ocap/store/storetest"
)

// WorkerChildren lists the live processes with vat-worker in their command
// line whose parent is ppid.
func WorkerChildren(ppid int) []int { return Processes("vat-worker", ppid) }

// Processes lists the live processes whose command line contains text and,
// unless ppid is negative, whose parent is ppid.
func Processes(text string, ppid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !bytes.Contains(cmdline, []byte(text)) {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces, so cut at ')'.
		i := bytes.LastIndexByte(stat, ')')
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) < 2 || fields[0] == "Z" || fields[0] == "X" || (ppid >= 0 && fields[1] != strconv.Itoa(ppid)) {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// AllGone reports whether every pid has exited.
func AllGone(pids []int) bool {
	for _, p := range pids {
		if !ProcessGone(p) {
			return false
		}
	}
	return true
}

// ForEachStore runs fn on a fresh SQLite store and a fresh PostgreSQL one.
func ForEachStore(t *testing.T, fn func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, storetest.SQLiteURL(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.PostgresURL(t)) })
}

// SyncBuffer is a bytes.Buffer safe for a process's output and a test
// reading it at once.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
