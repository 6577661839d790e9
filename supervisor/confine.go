package supervisor

import (
	"slices"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/proto/workerpb"
	"github.com/ocapgo/ocap/supervisor/sandbox"
)

// confineWorker returns the function that puts a worker process in its OS
// sandbox for the vat a StartVat describes, logs what is in force, and
// tells the kernel in the StartVat's answer.
func confineWorker(logger hclog.Logger) func(*workerpb.StartVat) *workerpb.Sandbox {
	return func(s *workerpb.StartVat) *workerpb.Sandbox {
		st := sandbox.Apply(policyFor(s))
		logger.Debug("sandbox in force", "sandbox", st.String())
		return &workerpb.Sandbox{
			NoNewPrivs:          st.NoNewPrivs,
			Seccomp:             st.Seccomp,
			CapabilitiesDropped: st.CapsDropped,
			LandlockAbi:         uint32(st.LandlockABI),
			LandlockNet:         st.LandlockNet,
			MemoryLimitBytes:    uint64(st.MemoryLimit),
			MemoryRlimit:        st.MemoryRlimit,
			Missing:             st.Missing,
		}
	}
}

// policyFor is what the vat of s may keep: TCP only if it may have fetch.
func policyFor(s *workerpb.StartVat) sandbox.Policy {
	fetch := slices.Contains(s.GetGlobals(), "fetch") &&
		(!s.GetAllowedGlobalsSet() || slices.Contains(s.GetAllowedGlobals(), "fetch"))
	return sandbox.Policy{Network: fetch, MemoryLimit: int64(min(s.GetMemoryLimitBytes(), 1<<62))}
}
