package router

import (
	"errors"
	"fmt"
	"time"

	"github.com/ocapgo/ocap/marshal"
)

// Kernel error codes, as the JavaScript kernel spells them.
const (
	CodeObjectRevoked = "OBJECT_REVOKED"
	CodeObjectDeleted = "OBJECT_DELETED"
	CodeVatTerminated = "VAT_TERMINATED"
)

// kernelError is the rejection the kernel itself produces: an Error whose
// message starts with "[KERNEL:<code>] " when there is a code.
func kernelError(code, format string, args ...any) marshal.CapData {
	msg := fmt.Sprintf(format, args...)
	if code != "" {
		msg = "[KERNEL:" + code + "] " + msg
	}
	cd, err := marshal.Marshal(&marshal.Error{Name: "Error", Message: msg})
	if err != nil {
		// An Error with a string message always encodes.
		panic(err)
	}
	return cd
}

// workerDiedError: the worker process died or its stream broke mid-crank.
type workerDiedError struct {
	vat string
	err error
}

func (e *workerDiedError) Error() string { return fmt.Sprintf("vat %s: %v", e.vat, e.err) }
func (e *workerDiedError) Unwrap() error { return e.err }

// timeLimitError: a delivery ran past the delivery time limit. It is not
// a crash, and a retry would only stall every vat again: the vat is
// terminated.
type timeLimitError struct {
	vat    string
	reason string // what ran past the limit, and the limit
}

func (e *timeLimitError) Error() string { return fmt.Sprintf("vat %s: %s", e.vat, e.reason) }

// pastLimit is the reason when the kernel itself had to stop waiting.
func pastLimit(limit time.Duration) string {
	return fmt.Sprintf("the delivery ran past the delivery time limit of %s", limit)
}

// vatFaultError: the vat broke the protocol (an illegal syscall, a delivery
// its liveslots could not handle). The vat is terminated.
type vatFaultError struct {
	vat string
	err error
}

func (e *vatFaultError) Error() string { return fmt.Sprintf("vat %s: %v", e.vat, e.err) }
func (e *vatFaultError) Unwrap() error { return e.err }

// ErrUnknownURL: an ocap URL whose token this kernel never issued.
var ErrUnknownURL = errors.New("unknown ocap URL")

// ErrUnknownKref names a kref the kernel does not know.
var ErrUnknownKref = errors.New("unknown kref")

// ErrNotHeld is a release of a kref the host holds no reference to (or one
// it cannot release, a subcluster's root).
var ErrNotHeld = errors.New("not held by the host")

// ErrUnknownVat names a vat id the kernel does not know.
var ErrUnknownVat = errors.New("unknown vat")

// ErrUnknownSubcluster names a subcluster id the kernel does not know.
var ErrUnknownSubcluster = errors.New("unknown subcluster")
