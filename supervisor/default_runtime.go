package supervisor

import (
	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/liveslots"
)

// newDefaultRuntime runs vats with liveslots on goja.
func newDefaultRuntime(logger hclog.Logger, wantCrank func()) (Runtime, error) {
	v, err := liveslots.New(logger, wantCrank)
	if err != nil {
		return nil, err
	}
	return v, nil
}
