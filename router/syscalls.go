package router

import (
	"strings"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/proto/workerpb"
)

// syscalls applies what a vat asked for during a delivery, in order. An
// illegal request fails the crank; the vat is then terminated.
func (r *Router) syscalls(vat string, calls []*workerpb.Syscall) error {
	if err := r.checkBudget(vat, calls); err != nil {
		return err
	}
	for _, sc := range calls {
		var err error
		r.obs.Syscall(syscallKind(sc))
		switch k := sc.GetKind().(type) {
		case *workerpb.Syscall_Send:
			err = r.syscallSend(vat, k.Send)
		case *workerpb.Syscall_Subscribe:
			err = r.syscallSubscribe(vat, k.Subscribe)
		case *workerpb.Syscall_Resolve:
			err = r.syscallResolve(vat, k.Resolve)
		case *workerpb.Syscall_Exit:
			reason := "it exited"
			if k.Exit.GetFailure() {
				reason = "it exited with a failure"
			}
			r.exits = append(r.exits, vatExit{vat, reason})
		case *workerpb.Syscall_VatstoreSet:
			if k.VatstoreSet.GetKey() == "" {
				return illegal("vat %s wrote an empty vatstore key", vat)
			}
			r.k.VatstoreSet(vat, k.VatstoreSet.Key, k.VatstoreSet.Value)
		case *workerpb.Syscall_VatstoreDelete:
			r.k.VatstoreDelete(vat, k.VatstoreDelete)
		case *workerpb.Syscall_DropImports:
			err = r.gcSyscall(vat, "dropImports", k.DropImports.GetVrefs())
		case *workerpb.Syscall_RetireImports:
			err = r.gcSyscall(vat, "retireImports", k.RetireImports.GetVrefs())
		case *workerpb.Syscall_RetireExports:
			err = r.gcSyscall(vat, "retireExports", k.RetireExports.GetVrefs())
		case *workerpb.Syscall_AbandonExports:
			err = r.gcSyscall(vat, "abandonExports", k.AbandonExports.GetVrefs())
		default:
			return illegal("vat %s made an unknown syscall", vat)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *Router) syscallSend(vat string, s *workerpb.Send) error {
	if err := checkMethargs(s.GetMethargs()); err != nil {
		return illegal("vat %s sent a malformed message to %s: %v", vat, s.GetTarget(), err)
	}
	target, err := r.kernelRef(vat, s.Target, false)
	if err != nil {
		return err
	}
	methargs, err := r.capToKernel(vat, s.Methargs)
	if err != nil {
		return err
	}
	result := ""
	if s.Result != "" {
		if kind, mine, ok := parseVref(s.Result); !ok || kind != 'p' || !mine {
			return illegal("vat %s named %q as a result promise; it must be a new p+N", vat, s.Result)
		}
		if result, err = r.kernelRef(vat, s.Result, true); err != nil {
			return err
		}
	}
	r.k.Enqueue(runItem{Type: "send", Target: target, Methargs: &methargs, Result: result})
	return nil
}

func (r *Router) syscallSubscribe(vat, vref string) error {
	kp, ok := r.k.KrefOf(vat, vref)
	if !ok || !strings.HasPrefix(kp, "kp") {
		return illegal("vat %s subscribed to %s, which is not a promise it holds", vat, vref)
	}
	r.subscribe(vat, kp)
	return nil
}

func (r *Router) syscallResolve(vat string, s *workerpb.Resolve) error {
	// Translate every resolution before applying any: resolutions of one
	// syscall may name each other (two promises resolved to each other),
	// and a vref dropped too early would be taken for a new promise.
	type settled struct {
		kp, vref string
		rejected bool
		data     marshal.CapData
	}
	var all []settled
	for _, res := range s.GetResolutions() {
		kp, ok := r.k.KrefOf(vat, res.GetVref())
		if !ok || !strings.HasPrefix(kp, "kp") {
			return illegal("vat %s resolved %s, which is not a promise it holds", vat, res.GetVref())
		}
		p, _ := r.promise(kp)
		if p == nil || p.State != unresolved || p.Decider != vat {
			return illegal("vat %s resolved %s (%s), which it does not decide", vat, res.Vref, kp)
		}
		if _, err := checkData(res.GetData()); err != nil {
			return illegal("vat %s resolved %s with malformed data: %v", vat, res.Vref, err)
		}
		data, err := r.capToKernel(vat, res.Data)
		if err != nil {
			return err
		}
		all = append(all, settled{kp, res.Vref, res.Rejected, data})
	}
	for _, s := range all {
		if p, ok := r.promise(s.kp); !ok || p.State != unresolved || p.Decider != vat {
			return illegal("vat %s resolved %s (%s) twice", vat, s.vref, s.kp)
		}
		r.resolve(s.kp, s.rejected, s.data)
	}
	for _, s := range all {
		r.k.CListDrop(vat, s.vref, s.kp)
	}
	return nil
}

func syscallKind(sc *workerpb.Syscall) string {
	switch sc.GetKind().(type) {
	case *workerpb.Syscall_Send:
		return "send"
	case *workerpb.Syscall_Subscribe:
		return "subscribe"
	case *workerpb.Syscall_Resolve:
		return "resolve"
	case *workerpb.Syscall_Exit:
		return "exit"
	case *workerpb.Syscall_VatstoreSet:
		return "vatstoreSet"
	case *workerpb.Syscall_VatstoreDelete:
		return "vatstoreDelete"
	default:
		return "drop"
	}
}
