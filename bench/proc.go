package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// children lists the live child processes of this process (the kernel's
// workers, spares included), from /proc: zombies are left out.
func children() []int {
	self := strconv.Itoa(os.Getpid())
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		s := string(data)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) >= 2 && f[1] == self && f[0] != "Z" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitChildren waits until this process has n live children.
func waitChildren(n int) error {
	deadline := time.Now().Add(time.Minute)
	for {
		got := len(children())
		if got == n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d worker processes after a minute, want %d", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// procBytes reads a "Name:   123 kB" line of a /proc file, in bytes (0 if
// unreadable).
func procBytes(pid, file, name string) int64 {
	data, err := os.ReadFile(filepath.Join("/proc", pid, file))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == name+":" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// rssBytes is a process's resident set size (pid "self": this one).
func rssBytes(pid string) int64 { return procBytes(pid, "status", "VmRSS") }

// pssBytes is a process's proportional set size: its private pages plus
// its share of pages it shares (the worker binary's, among workers).
func pssBytes(pid string) int64 { return procBytes(pid, "smaps_rollup", "Pss") }

// kernelRSS is this process's RSS after its Go heap's garbage went back
// to the OS, so earlier rows' garbage is not counted.
func kernelRSS() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	return rssBytes("self")
}

// liveHeap is this process's live Go heap after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
