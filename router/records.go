package router

import (
	"encoding/json"
	"fmt"

	"github.com/ocapgo/ocap/marshal"
)

// Promise states.
const (
	unresolved = "unresolved"
	fulfilled  = "fulfilled"
	rejected   = "rejected"
	forwarded  = "forwarded" // resolved to another promise: follows it
)

// promiseRecord is a kernel promise (kp.<kp>).
type promiseRecord struct {
	State       string           `json:"state"`
	Decider     string           `json:"decider,omitempty"`
	Subscribers []string         `json:"subscribers,omitempty"`
	Data        *marshal.CapData `json:"data,omitempty"`
	ForwardTo   string           `json:"forwardTo,omitempty"`
	Followers   []string         `json:"followers,omitempty"`
	QueueHead   int64            `json:"qh,omitempty"`
	QueueTail   int64            `json:"qt,omitempty"`
}

// runItem is one entry of the run queue, or of a promise's queue.
type runItem struct {
	Type     string           `json:"type"` // "send" or "notify"
	Target   string           `json:"target,omitempty"`
	Methargs *marshal.CapData `json:"methargs,omitempty"`
	Result   string           `json:"result,omitempty"`
	Vat      string           `json:"vat,omitempty"`
	KP       string           `json:"kp,omitempty"`
}

// vatRecord is what it takes to start a vat again (vat.<id>).
type vatRecord struct {
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
	launching = "launching" // removed at start-up if found: launches are all or nothing
	running   = "running"
)

// subclusterRecord is a launched group of vats (sc.<id>).
type subclusterRecord struct {
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

func (k *keeper) getJSON(key string, v any) bool {
	s, ok := k.get(key)
	if !ok {
		return false
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		panic(storeError{fmt.Errorf("key %s holds malformed JSON: %w", key, err)})
	}
	return true
}

func (k *keeper) setJSON(key string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(storeError{fmt.Errorf("encoding %s: %w", key, err)})
	}
	k.set(key, string(b))
}
