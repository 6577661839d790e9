package platform

import "errors"

// ErrWorkerExited is wrapped by every error that comes from a worker process
// having exited or its stream having broken. The error's text gives the exit
// status and the last lines the worker wrote to stderr.
var ErrWorkerExited = errors.New("vat worker exited")

// ErrMessageTooLarge is wrapped by the error of a delivery whose worker sent
// a message over Options.MaxMessageBytes; the worker is killed.
var ErrMessageTooLarge = errors.New("worker sent a message over the size limit")

// ErrClosed is returned by Launch once Close has been called.
var ErrClosed = errors.New("platform services closed")

// exitError is how a worker ended. It matches ErrWorkerExited and, when the
// process failed, the *exec.ExitError that says how.
type exitError struct {
	msg     string
	waitErr error
	cause   error // what the kernel knows of why, such as a *MemoryLimitError
}

// Error names the cause first, when the kernel knows it, before the exit
// status and the last stderr lines.
func (e *exitError) Error() string {
	if e.cause != nil {
		return ErrWorkerExited.Error() + ": " + e.cause.Error() + ": " + e.msg
	}
	return ErrWorkerExited.Error() + ": " + e.msg
}

func (e *exitError) Unwrap() []error {
	errs := []error{ErrWorkerExited}
	for _, err := range []error{e.waitErr, e.cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
