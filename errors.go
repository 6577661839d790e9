package ocap

import (
	"fmt"

	"github.com/ocapgo/ocap/marshal"
)

// RemoteError is a rejection: the JavaScript error's name and message, or
// a description of whatever else the promise was rejected with.
type RemoteError struct {
	Name    string
	Message string
	Data    CapData
}

func (e *RemoteError) Error() string {
	if e.Name == "" {
		return e.Message
	}
	return e.Name + ": " + e.Message
}

func newRemoteError(data CapData) *RemoteError {
	v, err := marshal.Unmarshal(data)
	if err != nil {
		return &RemoteError{Message: fmt.Sprintf("rejected with undecodable data: %v", err), Data: data}
	}
	if me, ok := v.(*marshal.Error); ok {
		return &RemoteError{Name: me.Name, Message: me.Message, Data: data}
	}
	return &RemoteError{Message: fmt.Sprintf("rejected with %v", marshal.ToJSON(v)), Data: data}
}
