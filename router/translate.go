package router

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// Translation between krefs (ko12, kp7: kernel-wide) and a vat's vrefs
// (o+3, o-4, p+5, p-6: meaningful only in that vat), through the vat's c-list.
// "+" vrefs were allocated by the vat (its exports and its promises), "-"
// vrefs by the kernel (what the vat imports).

// illegalSyscall is a vat breaking the protocol: the vat is terminated.
type illegalSyscall struct{ msg string }

func (e *illegalSyscall) Error() string { return e.msg }

func illegal(format string, args ...any) error {
	return &illegalSyscall{fmt.Sprintf(format, args...)}
}

// parseVref checks the shape of a vref: [op][+-]digits, or an object the
// vat keeps in its vatstore, o+d<kind>/<n> (durable) or o+v<kind>/<n>
// (virtual), optionally :<facet>.
func parseVref(vref string) (kind byte, allocatedByVat bool, ok bool) {
	if len(vref) < 3 || (vref[0] != 'o' && vref[0] != 'p') || (vref[1] != '+' && vref[1] != '-') {
		return 0, false, false
	}
	if vref[0] == 'o' && vref[1] == '+' && (vref[2] == 'd' || vref[2] == 'v') {
		return 'o', true, validKindVref(vref[3:])
	}
	if _, err := strconv.ParseUint(vref[2:], 10, 63); err != nil {
		return 0, false, false
	}
	return vref[0], vref[1] == '+', true
}

// validKindVref checks the <kind>/<n>[:<facet>] tail of a kind's vref.
func validKindVref(tail string) bool {
	kindID, rest, ok := strings.Cut(tail, "/")
	if !ok {
		return false
	}
	id, facet, faceted := strings.Cut(rest, ":")
	for _, n := range []string{kindID, id} {
		if _, err := strconv.ParseUint(n, 10, 63); err != nil {
			return false
		}
	}
	if faceted {
		if _, err := strconv.ParseUint(facet, 10, 63); err != nil {
			return false
		}
	}
	return true
}

// isDurableVref: the vat keeps the object across its restarts.
func isDurableVref(vref string) bool { return strings.HasPrefix(vref, "o+d") }

// kernelRef maps a vref a vat used in a syscall to a kref. A "+" vref the
// kernel has not seen is a new export (object) or a new promise the vat
// decides; asResult marks the result promise of a send, decided by whoever
// receives the message.
func (r *Router) kernelRef(vat, vref string, asResult bool) (string, error) {
	kind, mine, ok := parseVref(vref)
	if !ok {
		return "", illegal("vat %s used malformed vref %q", vat, vref)
	}
	if kref, ok := r.k.KrefOf(vat, vref); ok {
		if asResult {
			return "", illegal("vat %s reused promise %s as a result", vat, vref)
		}
		if kind == 'o' && !r.k.Reachable(vat, kref) {
			if !mine {
				return "", illegal("vat %s used %s (%s) after it dropped it", vat, vref, kref)
			}
			r.k.SetReachable(vat, kref, true) // exported again after a drop
		}
		return kref, nil
	}
	if kp, ok := r.retiring(vat, vref); ok && !asResult {
		return kp, nil // a peer's message sent before it took the notify in
	}
	if !mine {
		return "", illegal("vat %s used %s, which it was never given", vat, vref)
	}
	var kref string
	if kind == 'o' {
		kref = r.k.NewObject(vat)
	} else if asResult {
		kref = r.newPromise("")
	} else {
		kref = r.newPromise(vat)
	}
	r.k.CListAdd(vat, vref, kref)
	return kref, nil
}

// vatRef maps a kref to the vref vat knows it by, importing it if needed.
func (r *Router) vatRef(vat, kref string) string {
	if vref, ok := r.k.VrefOf(vat, kref); ok {
		r.k.SetReachable(vat, kref, true) // reintroduced after a drop, maybe
		return vref
	}
	prefix := "o-"
	if kref[1] == 'p' {
		prefix = "p-"
	}
	vref := prefix + r.k.NextImport(vat)
	r.k.CListAdd(vat, vref, kref)
	return vref
}

func (r *Router) capToKernel(vat string, cd *workerpb.CapData) (marshal.CapData, error) {
	out := marshal.CapData{Body: cd.GetBody()}
	if len(cd.GetSlots()) > 0 {
		out.Slots = make([]string, len(cd.Slots))
	}
	for i, vref := range cd.GetSlots() {
		kref, err := r.kernelRef(vat, vref, false)
		if err != nil {
			return marshal.CapData{}, err
		}
		out.Slots[i] = kref
	}
	return out, nil
}

func (r *Router) capToVat(vat string, cd marshal.CapData) *workerpb.CapData {
	out := &workerpb.CapData{Body: cd.Body}
	if len(cd.Slots) > 0 {
		out.Slots = make([]string, len(cd.Slots))
	}
	for i, kref := range cd.Slots {
		out.Slots[i] = r.vatRef(vat, kref)
	}
	return out
}
