package marshal

import "strings"

// CapData is a marshalled value: a smallcaps body and the slots (vrefs or
// krefs) its remotables and promises refer to by index.
type CapData struct {
	Body  string   `json:"body"`
	Slots []string `json:"slots"`
}

// Unmarshal decodes cd; see the package function Unmarshal.
func (cd CapData) Unmarshal() (any, error) { return Unmarshal(cd) }

// Undefined is JavaScript's undefined, kept distinct from null (nil) because
// vat code can tell them apart.
type Undefined struct{}

// Symbol is a passable symbol, named by its smallcaps name (see the package
// documentation): "foo" for Symbol.for('foo'), "@@asyncIterator" for
// Symbol.asyncIterator.
type Symbol struct {
	Name string
}

// Tagged is a tagged value (makeTagged(tag, payload)), the carrier of
// copySets, copyMaps and patterns.
type Tagged struct {
	Tag     string
	Payload any
}

// Error is a passable error. Only the name and the message cross a vat
// boundary; stacks stay with the sender.
type Error struct {
	Name    string
	Message string
	// ErrorID is the sender's error tag ("error:liveSlots:v1#70001") when it
	// marshals with error tagging on; empty otherwise. It is kept so that a
	// value decoded and encoded again keeps its bytes.
	ErrorID string
}

// Error renders the error as JavaScript prints one: "TypeError: bad type".
func (e *Error) Error() string {
	if e.Name == "" {
		return e.Message
	}
	if e.Message == "" {
		return e.Name
	}
	return e.Name + ": " + e.Message
}

// Ref is a reference to a remotable or a promise, named by its slot.
type Ref struct {
	// Kref is the slot string: a kref ("ko12", "kp3") in the kernel, a vref
	// ("o+0", "p-4") inside a vat.
	Kref string
	// Iface is the interface name a remotable was sent with, e.g.
	// "Alleged: root"; empty when unknown and always empty for promises.
	Iface string
}

// IsPromise reports whether the slot names a promise: vrefs "p+N"/"p-N" and
// krefs "kpN". Everything else is treated as a remotable.
func (r Ref) IsPromise() bool { return isPromiseSlot(r.Kref) }

func isPromiseSlot(slot string) bool {
	return strings.HasPrefix(slot, "p") || strings.HasPrefix(slot, "kp")
}
