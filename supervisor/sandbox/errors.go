package sandbox

import "errors"

var errNotSupported = errors.New("not supported by this host's kernel")
