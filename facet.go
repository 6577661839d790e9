package ocap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ocapgo/ocap/marshal"
)

// kernelFacet is the system-only service "kernelFacet": the host API, as
// seen by privileged vats.
type kernelFacet struct{ k *Kernel }

func (f kernelFacet) GetStatus(ctx context.Context) (any, error) {
	st, err := f.k.GetStatus(ctx)
	if err != nil {
		return nil, err
	}
	return plainJSON(st)
}

func (f kernelFacet) GetSubclusters(ctx context.Context) (any, error) {
	st, err := f.k.GetStatus(ctx)
	if err != nil {
		return nil, err
	}
	return plainJSON(st.Subclusters)
}

func (f kernelFacet) GetSubcluster(ctx context.Context, id string) (any, error) {
	st, err := f.k.GetStatus(ctx)
	if err != nil {
		return nil, err
	}
	for _, sc := range st.Subclusters {
		if sc.ID == id {
			return plainJSON(sc)
		}
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownSubcluster, id)
}

// LaunchSubcluster takes a cluster config record; relative paths resolve
// against the kernel's working directory. It answers {subclusterId, rootKref}.
func (f kernelFacet) LaunchSubcluster(ctx context.Context, config map[string]any) (any, error) {
	b, err := json.Marshal(marshal.ToJSON(config))
	if err != nil {
		return nil, err
	}
	cfg, err := ParseClusterConfig(b, "")
	if err != nil {
		return nil, err
	}
	res, err := f.k.LaunchSubcluster(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return map[string]any{"subclusterId": res.SubclusterID, "rootKref": res.RootKref}, nil
}

func (f kernelFacet) TerminateSubcluster(ctx context.Context, id string) error {
	return f.k.TerminateSubcluster(ctx, id)
}

func (f kernelFacet) TerminateVat(ctx context.Context, vatID string) error {
	return f.k.TerminateVat(ctx, vatID)
}

func (f kernelFacet) GetSystemSubclusterRoot(name string) (string, error) {
	return f.k.GetSystemSubclusterRoot(name)
}

// QueueMessage sends to a kref string or a presence and answers the result;
// a rejection rejects with the same error.
func (f kernelFacet) QueueMessage(ctx context.Context, target any, method string, args []any) (any, error) {
	kref, ok := target.(string)
	if ref, isRef := target.(marshal.Ref); isRef {
		kref, ok = ref.Kref, true
	}
	if !ok {
		return nil, errors.New("queueMessage: the target must be a kref string or a presence")
	}
	out, err := f.k.QueueMessage(ctx, kref, method, args)
	var re *RemoteError
	if errors.As(err, &re) {
		return nil, &marshal.Error{Name: re.Name, Message: re.Message}
	}
	if err != nil {
		return nil, err
	}
	return out.Unmarshal()
}

func (f kernelFacet) GetPresence(kref string, iface ...string) marshal.Ref {
	name := ""
	if len(iface) > 0 {
		name = iface[0]
	}
	return f.k.GetPresence(kref, name)
}

func (f kernelFacet) PingVat(ctx context.Context, vatID string) (string, error) {
	return f.k.PingVat(ctx, vatID)
}

func (f kernelFacet) Reset(ctx context.Context) error { return f.k.Reset(ctx) }

func (f kernelFacet) Ping() string { return "pong" }

// plainJSON turns a Go value into the plain data a vat can receive.
func plainJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}
