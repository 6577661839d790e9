package supervisor

import (
	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/endowments"
	"github.com/ocapgo/ocap/liveslots"
)

// newDefaultRuntime runs vats with liveslots on goja, their endowments
// built by makeGlobals (endowments.Make when nil).
func newDefaultRuntime(makeGlobals endowments.Factory) NewRuntimeFunc {
	return func(logger hclog.Logger, wantCrank func()) (Runtime, error) {
		v, err := liveslots.New(logger, wantCrank, liveslots.WithEndowments(makeGlobals))
		if err != nil {
			return nil, err
		}
		return v, nil
	}
}

var (
	_ EventLoop      = (*liveslots.Vat)(nil)
	_ Interrupter    = (*liveslots.Vat)(nil)
	_ VatstoreClient = (*liveslots.Vat)(nil)
)
