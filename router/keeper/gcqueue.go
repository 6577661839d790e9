package keeper

// The GC queue: what the kernel has to tell vats about objects nobody
// needs any more (dropExports, retireExports, retireImports), one batch
// per vat and kind, delivered before the run queue moves on. An action
// holds no reference: it is checked again when its turn comes.

const gcQueue fifo = "gcq"

// GC action kinds, as the deliveries are named.
const (
	DropExports   = "dropExports"
	RetireExports = "retireExports"
	RetireImports = "retireImports"
)

// GCAction tells vat about krefs (gcq.<n>).
type GCAction struct {
	Vat   string   `json:"vat"`
	Kind  string   `json:"kind"`
	Krefs []string `json:"krefs"`
}

// QueueGC adds an action at the tail of the GC queue.
func (k *Keeper) QueueGC(a GCAction) { k.push(gcQueue, a) }

// TakeGC removes and returns the head of the GC queue.
func (k *Keeper) TakeGC() (GCAction, bool) {
	var a GCAction
	if !k.peek(gcQueue, &a) {
		return a, false
	}
	k.pop(gcQueue)
	return a, true
}

// GCQueueLength is the number of actions in the GC queue.
func (k *Keeper) GCQueueLength() int64 { return k.length(gcQueue) }
