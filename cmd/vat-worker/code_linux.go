package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// codeRanges are the read-only mappings of the worker's own binary.
type codeRanges [][2]uintptr

// startupCode finds the binary's read-only mappings (code and read-only
// data), while /proc can still be read: the sandbox closes it at StartVat.
// A mapping any page of which was written (relocations, in a dynamically
// linked build) is left out: dropping it would lose the writes.
func startupCode() codeRanges {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return nil
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out codeRanges
	var cur [2]uintptr
	mine := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 6 && strings.Contains(fields[0], "-") {
			lo, hi, _ := strings.Cut(fields[0], "-")
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			perms := fields[1]
			mine = err1 == nil && err2 == nil && fields[5] == exe &&
				(perms == "r-xp" || perms == "r--p")
			cur = [2]uintptr{uintptr(a), uintptr(b)}
			continue
		}
		if mine && len(fields) >= 2 && fields[0] == "Anonymous:" {
			if fields[1] == "0" {
				out = append(out, cur)
			}
			mine = false
		}
	}
	return out
}

// release unmaps the pages of those mappings from the worker: they stay in
// the page cache, shared with every other worker, and the pages the worker
// still runs fault back in as it uses them. What its start alone ran
// (goja's parser and compiler, package initialisation) no longer counts in
// its resident memory.
func (c codeRanges) release() {
	for _, r := range c {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, r[0], r[1]-r[0], syscall.MADV_DONTNEED)
	}
}
