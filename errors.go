package ocap

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/router"
)

// Rejections by the kernel itself that callers can test for with
// errors.Is, on the *RemoteError a call returns. They match whether the
// kernel rejected the host's own call or a vat passed the kernel's
// rejection on, since the message keeps its code.
var (
	// ErrObjectRevoked: the object was revoked (Kernel.Revoke).
	ErrObjectRevoked = errors.New("[KERNEL:" + router.CodeObjectRevoked + "]")
	// ErrObjectDeleted: the object no longer exists: its vat restarted and
	// it was not durable, or its vat was terminated.
	ErrObjectDeleted = errors.New("[KERNEL:" + router.CodeObjectDeleted + "]")
	// ErrVatTerminated: the vat that was to answer was terminated.
	ErrVatTerminated = errors.New("[KERNEL:" + router.CodeVatTerminated + "]")
)

// kernelCode finds the code of a kernel rejection's message:
// "[KERNEL:OBJECT_REVOKED] object ko12 has been revoked".
var kernelCode = regexp.MustCompile(`^\[KERNEL:([A-Z_]+)\]`)

// RemoteError is a rejection: the JavaScript error's name and message, or
// a description of whatever else the promise was rejected with.
type RemoteError struct {
	Name    string
	Message string
	// Code is the kernel's code when the kernel made the rejection
	// ("OBJECT_REVOKED", "OBJECT_DELETED", "VAT_TERMINATED"), else "".
	Code string
	Data CapData
}

func (e *RemoteError) Error() string {
	if e.Name == "" {
		return e.Message
	}
	return e.Name + ": " + e.Message
}

// Is makes errors.Is(err, ErrObjectRevoked) and its kin true for the
// kernel's rejections of that code.
func (e *RemoteError) Is(target error) bool {
	switch target {
	case ErrObjectRevoked:
		return e.Code == router.CodeObjectRevoked
	case ErrObjectDeleted:
		return e.Code == router.CodeObjectDeleted
	case ErrVatTerminated:
		return e.Code == router.CodeVatTerminated
	}
	return false
}

func newRemoteError(data CapData) *RemoteError {
	v, err := marshal.Unmarshal(data)
	if err != nil {
		return &RemoteError{Message: fmt.Sprintf("rejected with undecodable data: %v", err), Data: data}
	}
	if me, ok := v.(*marshal.Error); ok {
		re := &RemoteError{Name: me.Name, Message: me.Message, Data: data}
		if m := kernelCode.FindStringSubmatch(me.Message); m != nil {
			re.Code = m[1]
		}
		return re
	}
	return &RemoteError{Message: fmt.Sprintf("rejected with %v", marshal.ToJSON(v)), Data: data}
}
