//go:build unix

package sqlite

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/ocapgo/ocap/store/driver"
	"github.com/ocapgo/ocap/store/internal/kv"
)

// fileLock is the exclusive hold a kernel keeps on its store for as long as
// it has the store open: an flock on "<db>.lock", a file that also records
// the holder's pid so that a second kernel can say who is in the way.
//
// flock rather than SQLite's own locking: SQLite locks per transaction, while
// a kernel needs the whole store for its life. flock belongs to the open
// file, so the kernel process dying for any reason (kill -9 included)
// releases it, and a second Open in the same process is refused like one
// from another process. The lock file is never removed: removing it could
// let two kernels lock two different files of the same name.
type fileLock struct {
	f *os.File
}

// lockFile takes the lock for the database at dbPath without waiting.
func lockFile(dbPath string) (*fileLock, error) {
	name := dbPath + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := readPID(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, kv.Errorf(driver.ErrLocked, "store %s is in use by another kernel (%s)", dbPath, holder)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	// A pid left by an earlier holder would mislead; write ours over it.
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("record pid in lock file %s: %w", name, err)
	}
	return &fileLock{f: f}, nil
}

// readPID describes the holder recorded in a lock file: "pid 1234", or
// "pid unknown" when the holder has not written it yet.
func readPID(f *os.File) string {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 32))
	if err != nil {
		return "pid unknown"
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return "pid unknown"
	}
	return "pid " + strconv.Itoa(pid)
}

// release gives the lock up; closing the file is what ends an flock.
func (l *fileLock) release() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}
