package ocap

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ocapgo/ocap/marshal"
)

// The kernel's rejections are errors.Is-able by code, also once a vat has
// passed them on; other rejections match none.
func TestRemoteErrorCodes(t *testing.T) {
	for msg, want := range map[string]error{
		"[KERNEL:OBJECT_REVOKED] object ko12 has been revoked":   ErrObjectRevoked,
		"[KERNEL:OBJECT_DELETED] object ko12 no longer exists":   ErrObjectDeleted,
		"[KERNEL:VAT_TERMINATED] vat v3 was terminated: because": ErrVatTerminated,
		"sync boom [KERNEL:OBJECT_REVOKED]":                      nil,
	} {
		data, err := marshal.Marshal(&marshal.Error{Name: "Error", Message: msg})
		if err != nil {
			t.Fatal(err)
		}
		var re error = newRemoteError(data)
		re = fmt.Errorf("calling: %w", re)
		for _, sentinel := range []error{ErrObjectRevoked, ErrObjectDeleted, ErrVatTerminated} {
			if got := errors.Is(re, sentinel); got != (sentinel == want) {
				t.Errorf("errors.Is(%q, %v) = %v", msg, sentinel, got)
			}
		}
	}
}
