package router

import "github.com/ocapgo/ocap/router/keeper"

// The keeper's records, under the names the router's code reads best with.
type (
	promiseRecord    = keeper.Promise
	runItem          = keeper.RunItem
	vatRecord        = keeper.Vat
	subclusterRecord = keeper.Subcluster
)

const (
	unresolved = keeper.Unresolved
	fulfilled  = keeper.Fulfilled
	rejected   = keeper.Rejected
	forwarded  = keeper.Forwarded
	launching  = keeper.Launching
	running    = keeper.Running
)
