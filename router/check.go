package router

import (
	"errors"
	"fmt"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// The kernel checks the capability data a vat hands it before routing it:
// a vat that sends something malformed is the one at fault, so the fault
// must surface in the sender's crank, never in the receiver's.

// checkData checks that cd is well-formed smallcaps whose slot references
// are in range and name promises or objects as they claim to.
func checkData(cd *workerpb.CapData) (any, error) {
	if cd == nil {
		return nil, errors.New("no data")
	}
	return marshal.Unmarshal(marshal.CapData{Body: cd.Body, Slots: cd.Slots})
}

// checkMethargs checks a message: well-formed data that is [method, args],
// the method a string, a symbol or undefined (a function call), the
// arguments an array.
func checkMethargs(cd *workerpb.CapData) error {
	v, err := checkData(cd)
	if err != nil {
		return err
	}
	ma, ok := v.([]any)
	if !ok || len(ma) != 2 {
		return errors.New("a message must be [method, args]")
	}
	switch ma[0].(type) {
	case string, marshal.Symbol, marshal.Undefined:
	default:
		return fmt.Errorf("its method is %T, not a string or a symbol", ma[0])
	}
	if _, ok := ma[1].([]any); !ok {
		return errors.New("its arguments are not an array")
	}
	return nil
}
