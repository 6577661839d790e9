package router

import (
	"encoding/json"

	"github.com/ocapgo/ocap/platform"
)

// memoryLimit is the cap of rec's worker: its creationOptions.memoryLimit
// (checked at launch), else the kernel's.
func (r *Router) memoryLimit(rec *vatRecord) int64 {
	if v, ok := creationOptions(rec)["memoryLimit"]; ok {
		if n, err := platform.ParseMemoryLimit(v); err == nil {
			return n
		}
	}
	return r.cfg.MemoryLimit
}

// creationOptions are the creationOptions of rec's config, or nil.
func creationOptions(rec *vatRecord) map[string]any {
	var vc struct {
		CreationOptions map[string]any `json:"creationOptions"`
	}
	if len(rec.Config) == 0 || json.Unmarshal(rec.Config, &vc) != nil {
		return nil
	}
	return vc.CreationOptions
}
