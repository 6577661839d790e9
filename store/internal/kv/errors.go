package kv

import (
	"fmt"

	"github.com/ocapgo/ocap/store/driver"
)

// Errorf formats an error like fmt.Errorf whose text is only the formatted
// message, and which errors.Is matches both against sentinel and against any
// error the format wraps with %w. It lets a driver say
// "store /x/kernel.db is in use by another kernel (pid 12)" and still be
// driver.ErrLocked, without repeating the sentinel's own words.
func Errorf(sentinel error, format string, args ...any) error {
	return &sentinelError{sentinel: sentinel, err: fmt.Errorf(format, args...)}
}

type sentinelError struct {
	sentinel error
	err      error
}

func (e *sentinelError) Error() string   { return e.err.Error() }
func (e *sentinelError) Unwrap() []error { return []error{e.sentinel, e.err} }

// NewerSchema is the error for a store whose schema version is newer than
// the latest this kernel knows: opening it would risk misreading data a
// newer kernel wrote.
func NewerSchema(location string, found, latest int) error {
	return Errorf(driver.ErrNewerSchema,
		"store %s has schema version %d, newer than version %d that this kernel knows: use a newer ocap kernel",
		location, found, latest)
}
