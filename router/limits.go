package router

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/ocapgo/ocap/internal/safefile"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// Limits bound what one vat may make the kernel hold or do in a delivery.
// A vat that breaks one is terminated with a reason naming the limit and
// its value; the kernel and the other vats go on. Config.Limits sets them
// for the kernel (zero fields take DefaultLimits' values); a vat's
// creationOptions may set any of them for that vat, by the JSON names.
type Limits struct {
	// MaxMessageBytes bounds one message a vat sends (method and
	// arguments) and one result it settles a promise with.
	MaxMessageBytes int `json:"maxMessageBytes,omitempty"`
	// MaxCrankDataBytes bounds all capability data of one delivery's
	// syscalls together.
	MaxCrankDataBytes int `json:"maxCrankDataBytes,omitempty"`
	// MaxSyscalls bounds the syscalls of one delivery.
	MaxSyscalls int `json:"maxSyscalls,omitempty"`
	// MaxSends bounds the sends of one delivery.
	MaxSends int `json:"maxSends,omitempty"`
	// MaxVatstoreEntryBytes bounds one vatstore (baggage) key plus value.
	MaxVatstoreEntryBytes int `json:"maxVatstoreEntryBytes,omitempty"`
	// MaxVatstoreBytes bounds a vat's whole vatstore, keys plus values.
	MaxVatstoreBytes int64 `json:"maxVatstoreBytes,omitempty"`
	// MaxCListEntries bounds the references a vat holds at once (its
	// c-list: imports, exports, and promises it decides or awaits), which
	// the kernel keeps in memory: a vat that leaves promises pending
	// without end reaches it.
	MaxCListEntries int `json:"maxCListEntries,omitempty"`
}

// DefaultLimits are the limits of a kernel that sets none.
var DefaultLimits = Limits{
	MaxMessageBytes:       8 << 20,
	MaxCrankDataBytes:     32 << 20,
	MaxSyscalls:           50_000,
	MaxSends:              10_000,
	MaxVatstoreEntryBytes: 1 << 20,
	MaxVatstoreBytes:      16 << 20,
	MaxCListEntries:       100_000,
}

// or fills l's zero fields from d.
func (l Limits) or(d Limits) Limits {
	pick := func(v, dv int) int {
		if v > 0 {
			return v
		}
		return dv
	}
	l.MaxMessageBytes = pick(l.MaxMessageBytes, d.MaxMessageBytes)
	l.MaxCrankDataBytes = pick(l.MaxCrankDataBytes, d.MaxCrankDataBytes)
	l.MaxSyscalls = pick(l.MaxSyscalls, d.MaxSyscalls)
	l.MaxSends = pick(l.MaxSends, d.MaxSends)
	l.MaxVatstoreEntryBytes = pick(l.MaxVatstoreEntryBytes, d.MaxVatstoreEntryBytes)
	l.MaxCListEntries = pick(l.MaxCListEntries, d.MaxCListEntries)
	if l.MaxVatstoreBytes <= 0 {
		l.MaxVatstoreBytes = d.MaxVatstoreBytes
	}
	return l
}

// ParseLimits reads the limits in a vat's creationOptions (other keys are
// left alone); a limit that is not a positive whole number is an error.
func ParseLimits(creationOptions map[string]any) (Limits, error) {
	var l Limits
	data, err := json.Marshal(creationOptions)
	if err != nil {
		return l, fmt.Errorf("creationOptions: %w", err)
	}
	if err := json.Unmarshal(data, &l); err != nil {
		return l, fmt.Errorf("creationOptions: a limit must be a positive whole number: %w", err)
	}
	var raw map[string]any
	_ = json.Unmarshal(data, &raw)
	for _, name := range []string{"maxMessageBytes", "maxCrankDataBytes", "maxSyscalls", "maxSends", "maxVatstoreEntryBytes", "maxVatstoreBytes", "maxCListEntries"} {
		if v, ok := raw[name].(float64); ok && v <= 0 {
			return l, fmt.Errorf("creationOptions: %s must be positive, got %v", name, v)
		}
	}
	return l, nil
}

// budgets is the router's state for Limits: each vat's limits and how many
// bytes its vatstore holds, both known from its start.
type budgets struct {
	limits map[string]Limits
	used   map[string]int64
	// sizes holds, per vat, the size (key plus value, 0: absent) of the
	// vatstore entries it wrote lately: overwriting a hot entry (a counter
	// in baggage) then needs no read of the old value from the store.
	sizes map[string]map[string]int
}

// maxKnownSizes bounds budgets.sizes per vat.
const maxKnownSizes = 1024

// knownSize answers what budgets.sizes holds for vat's key.
func (b *budgets) knownSize(vat, key string) (int, bool) {
	n, ok := b.sizes[vat][key]
	return n, ok
}

// rememberSizes records the sizes a delivery of vat left (-1: deleted),
// forgetting others at random beyond maxKnownSizes.
func (b *budgets) rememberSizes(vat string, written map[string]int) {
	if b.sizes == nil {
		b.sizes = map[string]map[string]int{}
	}
	m := b.sizes[vat]
	if m == nil {
		m = map[string]int{}
		b.sizes[vat] = m
	}
	for key, n := range written {
		m[key] = max(n, 0)
	}
	for key := range m {
		if len(m) <= maxKnownSizes {
			break
		}
		delete(m, key)
	}
}

// forget drops what the budgets hold about vat.
func (b *budgets) forget(vat string) {
	delete(b.limits, vat)
	delete(b.used, vat)
	delete(b.sizes, vat)
}

// vatLimits are vat's limits: its creationOptions over the kernel's.
func (r *Router) vatLimits(vat string) Limits {
	if l, ok := r.budget.limits[vat]; ok {
		return l
	}
	l := r.cfg.Limits.or(DefaultLimits)
	if rec, ok := r.vat(vat); ok {
		if own, err := ParseLimits(creationOptions(rec)); err == nil {
			l = own.or(l)
		}
	}
	if r.budget.limits == nil {
		r.budget.limits = map[string]Limits{}
	}
	r.budget.limits[vat] = l
	return l
}

// entriesBytes is the size of vatstore entries, keys plus values.
func entriesBytes(store []*workerpb.VatstoreEntry) int64 {
	var n int64
	for _, e := range store {
		n += int64(len(e.GetKey()) + len(e.GetValue()))
	}
	return n
}

// sizeUnknown is the size of a vatstore too big to count at the start of
// its vat (it would cost a read of it all): it is counted when the vat
// first writes to it.
const sizeUnknown = -1

// countVatstore records the size n of the vatstore a fresh worker of vat
// starts with.
func (r *Router) countVatstore(vat string, n int64) {
	if r.budget.used == nil {
		r.budget.used = map[string]int64{}
	}
	r.budget.used[vat] = n
	delete(r.budget.limits, vat) // read again: a restart may follow a new config
	delete(r.budget.sizes, vat)  // a crank the last worker left unfinished wrote nothing
}

// limitError names the limit a vat broke, its value, and what the vat did.
func limitError(name, limit, what string) error {
	return illegal("it broke the limit %s (%s): %s", name, limit, what)
}

func size(n int) string { return safefile.Size(int64(n)) }

// checkBudget checks one delivery's syscalls against vat's limits before
// any is applied, and accounts the vatstore bytes they leave.
func (r *Router) checkBudget(vat string, calls []*workerpb.Syscall) error {
	l := r.vatLimits(vat)
	if len(calls) > l.MaxSyscalls {
		return limitError("maxSyscalls", strconv.Itoa(l.MaxSyscalls), fmt.Sprintf("it made %d syscalls in one delivery", len(calls)))
	}
	sends, data := 0, 0
	vsDelta := int64(0)
	sizes := map[string]int{} // vatstore keys this delivery wrote: their size now (-1: deleted)
	oldSize := func(key string) int {
		if n, ok := sizes[key]; ok {
			return max(n, 0)
		}
		if n, ok := r.budget.knownSize(vat, key); ok {
			return n
		}
		if v, ok := r.k.VatstoreGet(vat, key); ok {
			return len(key) + len(v)
		}
		return 0
	}
	for _, sc := range calls {
		switch k := sc.GetKind().(type) {
		case *workerpb.Syscall_Send:
			sends++
			n := capDataSize(k.Send.GetMethargs())
			if n > l.MaxMessageBytes {
				return limitError("maxMessageBytes", size(l.MaxMessageBytes), fmt.Sprintf("it sent a message of %s", size(n)))
			}
			data += n
		case *workerpb.Syscall_Resolve:
			for _, res := range k.Resolve.GetResolutions() {
				n := capDataSize(res.GetData())
				if n > l.MaxMessageBytes {
					return limitError("maxMessageBytes", size(l.MaxMessageBytes), fmt.Sprintf("it settled a promise with a result of %s", size(n)))
				}
				data += n
			}
		case *workerpb.Syscall_VatstoreSet:
			key := k.VatstoreSet.GetKey()
			n := len(key) + len(k.VatstoreSet.GetValue())
			if n > l.MaxVatstoreEntryBytes {
				return limitError("maxVatstoreEntryBytes", size(l.MaxVatstoreEntryBytes), fmt.Sprintf("it wrote a vatstore entry of %s", size(n)))
			}
			vsDelta += int64(n - oldSize(key))
			sizes[key] = n
		case *workerpb.Syscall_VatstoreDelete:
			key := k.VatstoreDelete
			vsDelta -= int64(oldSize(key))
			sizes[key] = -1
		}
	}
	if sends > l.MaxSends {
		return limitError("maxSends", strconv.Itoa(l.MaxSends), fmt.Sprintf("it made %d sends in one delivery", sends))
	}
	if data > l.MaxCrankDataBytes {
		return limitError("maxCrankDataBytes", size(l.MaxCrankDataBytes), fmt.Sprintf("its syscalls in one delivery carried %s", size(data)))
	}
	if r.budget.used[vat] == sizeUnknown && vsDelta != 0 {
		r.budget.used[vat] = r.k.VatstoreBytes(vat)
	}
	if used := r.budget.used[vat] + vsDelta; used > l.MaxVatstoreBytes {
		return limitError("maxVatstoreBytes", safefile.Size(l.MaxVatstoreBytes), fmt.Sprintf("its vatstore would hold %s", safefile.Size(used)))
	}
	if r.budget.used == nil {
		r.budget.used = map[string]int64{}
	}
	r.budget.used[vat] += vsDelta
	if len(sizes) > 0 {
		r.budget.rememberSizes(vat, sizes)
	}
	return nil
}

// capDataSize is what capability data weighs: its body and slots.
func capDataSize(cd *workerpb.CapData) int {
	n := len(cd.GetBody())
	for _, s := range cd.GetSlots() {
		n += len(s)
	}
	return n
}
