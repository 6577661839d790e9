//go:build !linux

package sandbox

import "runtime"

// Apply confines nothing outside Linux; the Status says so.
func Apply(p Policy) Status {
	s := Status{Missing: []string{"OS sandbox: not available on " + runtime.GOOS}}
	return s
}
