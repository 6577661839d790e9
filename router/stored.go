package router

import (
	"context"
	"fmt"
	"slices"
)

// StoredVat is what a restart of one vat runs: the code and parameters it
// was launched with, as the store keeps them.
type StoredVat struct {
	ID         string
	Name       string
	BundleHash string
	Parameters string // the smallcaps body
	Globals    []string
}

// StoredVats lists a subcluster's vats as the store keeps them, in launch
// order, so a host can tell whether a config it holds still matches them.
func (r *Router) StoredVats(ctx context.Context, subclusterID string) ([]StoredVat, error) {
	var out []StoredVat
	err := r.do(ctx, func() error {
		sc, ok := r.k.Subcluster(subclusterID)
		if !ok {
			return fmt.Errorf("%w %q", ErrUnknownSubcluster, subclusterID)
		}
		for _, id := range sc.Vats {
			rec, ok := r.vat(id)
			if !ok {
				continue
			}
			out = append(out, StoredVat{ID: id, Name: rec.Name, BundleHash: rec.Bundle,
				Parameters: rec.Parameters.Body, Globals: slices.Clone(rec.Globals)})
		}
		return nil
	})
	return out, err
}
