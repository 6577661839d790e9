package ocap

import (
	"context"

	"github.com/ocapgo/ocap/router"
)

// KernelStatus is what GetStatus returns; its JSON is what `kernel status`
// prints and the kernel facet's getStatus() returns.
type KernelStatus struct {
	Vats        []VatStatus        `json:"vats"`
	Subclusters []SubclusterStatus `json:"subclusters"`
	RemoteComms RemoteComms        `json:"remoteComms"`
}

// VatStatus describes a running vat.
type VatStatus = router.VatStatus

// SubclusterStatus describes a running subcluster.
type SubclusterStatus = router.SubclusterStatus

// GetStatus lists running vats and subclusters.
func (k *Kernel) GetStatus(ctx context.Context) (*KernelStatus, error) {
	vats, subs, err := k.r.Status(ctx)
	if err != nil {
		return nil, err
	}
	return &KernelStatus{Vats: vats, Subclusters: subs, RemoteComms: k.remoteStatus()}, nil
}
