package keeper

import (
	"encoding/json"

	"github.com/ocapgo/ocap/marshal"
)

// Promise states.
const (
	Unresolved = "unresolved"
	Fulfilled  = "fulfilled"
	Rejected   = "rejected"
	Forwarded  = "forwarded" // resolved to another promise: follows it
)

// Promise is a kernel promise (kp.<kp>).
type Promise struct {
	State       string           `json:"state"`
	Decider     string           `json:"decider,omitempty"`
	Subscribers []string         `json:"subscribers,omitempty"`
	Data        *marshal.CapData `json:"data,omitempty"`
	ForwardTo   string           `json:"forwardTo,omitempty"`
	Followers   []string         `json:"followers,omitempty"`
	QueueHead   int64            `json:"qh,omitempty"`
	QueueTail   int64            `json:"qt,omitempty"`
	// Refs counts what refers to the promise (see refcounts.go).
	Refs int64 `json:"refs,omitempty"`
}

// Settled reports whether the promise is fulfilled or rejected.
func (p *Promise) Settled() bool { return p.State == Fulfilled || p.State == Rejected }

// RunItem is one entry of the run queue, of a promise's queue, or of a
// service's parked calls.
type RunItem struct {
	Type     string           `json:"type"` // "send" or "notify"
	Target   string           `json:"target,omitempty"`
	Methargs *marshal.CapData `json:"methargs,omitempty"`
	Result   string           `json:"result,omitempty"`
	Vat      string           `json:"vat,omitempty"`
	KP       string           `json:"kp,omitempty"`
}

// Vat is what it takes to start a vat again (vat.<vat>).
type Vat struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Subcluster     string          `json:"subcluster"`
	Bundle         string          `json:"bundle"` // sha256 of the script at bundle.<hash>
	BundleName     string          `json:"bundleName"`
	Parameters     marshal.CapData `json:"parameters"`
	Globals        []string        `json:"globals,omitempty"`
	PlatformConfig json.RawMessage `json:"platformConfig,omitempty"`
	Config         json.RawMessage `json:"config,omitempty"`
}

// Subcluster states.
const (
	Launching = "launching" // removed at start-up if found: launches are all or nothing
	Running   = "running"
)

// Subcluster is a launched group of vats (sc.<sub>).
type Subcluster struct {
	ID        string          `json:"id"`
	Name      string          `json:"name,omitempty"` // system subcluster name
	System    bool            `json:"system,omitempty"`
	State     string          `json:"state"`
	Vats      []string        `json:"vats"`     // vat ids in launch order
	VatNames  []string        `json:"vatNames"` // their config names, same order
	Bootstrap string          `json:"bootstrap"`
	RootKref  string          `json:"rootKref"`
	Services  []string        `json:"services,omitempty"`
	Config    json.RawMessage `json:"config,omitempty"`
	// IO and Dir reopen the subcluster's io channels after a restart.
	IO  map[string]json.RawMessage `json:"io,omitempty"`
	Dir string                     `json:"dir,omitempty"`
}
