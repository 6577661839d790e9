package ocap

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ocapgo/ocap/router"
)

// warnDrift says, once a system subcluster is restored, how its config
// now differs from what the store runs: a restore runs the code and
// parameters the subcluster was launched with, never an edited file's.
// It says so once per subcluster and kernel.
func (k *Kernel) warnDrift(ctx context.Context, sys SystemSubclusterConfig, id string) {
	k.launchedMu.Lock()
	checked := k.checked[id]
	k.checked[id] = true
	k.launchedMu.Unlock()
	if checked {
		return
	}
	diffs, err := k.drift(ctx, sys, id)
	if err != nil {
		k.log.Warn("could not compare a restored system subcluster with its config", "name", sys.Name, "subcluster", id, "error", err)
		return
	}
	if len(diffs) == 0 {
		return
	}
	k.log.Warn(fmt.Sprintf("system subcluster %q (%s) runs the code and parameters it was launched with, not its config's: %s. "+
		"To take the new ones, set \"forceReset\": true in the config (relaunches it from scratch: its state is lost)",
		sys.Name, id, strings.Join(diffs, "; ")), "name", sys.Name, "subcluster", id)
}

// drift lists what differs between sys's config and the stored vats of
// subcluster id: each vat's source (bundle hash), parameters and globals,
// and vats added or removed.
func (k *Kernel) drift(ctx context.Context, sys SystemSubclusterConfig, id string) ([]string, error) {
	cfg := sys.Config
	spec, err := k.subclusterSpec(ctx, &cfg, sys.Name)
	if err != nil {
		return nil, err
	}
	stored, err := k.r.StoredVats(ctx, id)
	if err != nil {
		return nil, err
	}
	byName := map[string]router.StoredVat{}
	for _, v := range stored {
		byName[v.Name] = v
	}
	var diffs []string
	for _, v := range spec.Vats {
		old, ok := byName[v.Name]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("vat %q is new in the config (not started)", v.Name))
			continue
		}
		delete(byName, v.Name)
		var what []string
		if old.BundleHash != v.BundleHash {
			what = append(what, fmt.Sprintf("source (stored bundle %s, config's %s)", short(old.BundleHash), short(v.BundleHash)))
		}
		if old.Parameters != v.Parameters.Body {
			what = append(what, "parameters")
		}
		if !slices.Equal(sorted(old.Globals), sorted(v.Globals)) {
			what = append(what, fmt.Sprintf("globals (stored %v, config's %v)", old.Globals, v.Globals))
		}
		if len(what) > 0 {
			diffs = append(diffs, fmt.Sprintf("vat %q (%s): %s", v.Name, old.ID, strings.Join(what, ", ")))
		}
	}
	for _, v := range stored {
		if _, gone := byName[v.Name]; gone {
			diffs = append(diffs, fmt.Sprintf("vat %q (%s) is no longer in the config (still running)", v.Name, v.ID))
		}
	}
	return diffs, nil
}

func short(hash string) string { return hash[:min(12, len(hash))] }

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
