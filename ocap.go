// Package ocap is the host API of an object-capability kernel that runs
// untrusted JavaScript vats, each in its own vat-worker process, and keeps
// every kernel table in SQLite or PostgreSQL.
//
//	db, _ := store.Open(ctx, "sqlite:///var/lib/ocap/kernel.db")
//	k, _ := ocap.Make(ctx, platform.New(platform.Options{}), db, ocap.Options{})
//	res, _ := k.LaunchSubcluster(ctx, cfg)
//	out, _ := k.QueueMessage(ctx, res.RootKref, "hello", []any{"world"})
package ocap

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/bundle"
	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/metrics"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/router"
	"github.com/ocapgo/ocap/store"
)

// CapData is a smallcaps-encoded value whose slots are krefs.
type CapData = marshal.CapData

// Ref is a reference to a kernel object or promise, usable as an argument.
type Ref = marshal.Ref

// Errors callers can test for with errors.Is.
var (
	ErrUnknownKref       = router.ErrUnknownKref
	ErrUnknownVat        = router.ErrUnknownVat
	ErrUnknownSubcluster = router.ErrUnknownSubcluster
	ErrStopped           = router.ErrStopped
	ErrNotHeld           = router.ErrNotHeld
)

// Options configure a kernel. Every field is optional.
type Options struct {
	// Logger receives kernel logs and every vat's console output.
	// Defaults to warnings and errors only, on stderr: a host that wants
	// the kernel's info lines or its vats' console output passes a logger
	// at that level.
	Logger hclog.Logger
	// SystemSubclusters are launched on the first Make over a store and
	// restored (not relaunched) on later ones. A system subcluster in the
	// store that is no longer listed here is kept, with a warning, unless
	// PruneSystemSubclusters is set. Defaults to none.
	SystemSubclusters []SystemSubclusterConfig
	// PruneSystemSubclusters terminates, at start, the system subclusters
	// in the store that SystemSubclusters no longer lists, with all their
	// state. Defaults to false: they are kept.
	PruneSystemSubclusters bool
	// KernelServices are registered before system subclusters launch, so
	// those can ask for them. More can be registered later with
	// RegisterKernelServiceObject. Defaults to none; the kernel facet
	// ("kernelFacet", system-only) is always there.
	KernelServices []KernelService
	// AllowedGlobalNames restricts the endowments any vat may ask for: nil
	// allows the whole default set, an empty list allows none.
	// Defaults to nil.
	AllowedGlobalNames []string
	// FetchAllowedHosts, when not nil, is a kernel-wide fetch allowlist
	// ("host" for any port, "host:port" for one): a vat's fetch reaches only
	// hosts in both this list and its own platformConfig allowlist. An
	// empty list refuses every host. Defaults to nil (each vat's own list).
	FetchAllowedHosts []string
	// LaunchTimeout bounds LaunchSubcluster, bootstrap included.
	// Defaults to 30s.
	LaunchTimeout time.Duration
	// DeliveryTimeout is the delivery time limit: it bounds one delivery to
	// a vat, and one run of its timer and fetch callbacks. The vat's worker
	// interrupts code still running at the limit, and the vat is
	// terminated (not restarted). Defaults to 30s.
	DeliveryTimeout time.Duration
	// ReapInterval is how many deliveries a vat gets between two
	// bringOutYourDead, which make it report the presences and exports
	// nothing refers to any more, so that the kernel can drop and retire
	// them; a negative value leaves it to CollectGarbage. Larger values
	// cost fewer deliveries and hold garbage longer. Defaults to
	// DefaultReapInterval (100).
	ReapInterval int
	// Limits bound what one vat may do in a delivery: message and result
	// size, capability data per delivery, syscalls and sends per delivery,
	// vatstore size per entry and per vat. Zero fields take DefaultLimits;
	// a vat's creationOptions may set any of them for that vat. A vat that
	// breaks one is terminated with a reason naming the limit.
	Limits Limits
	// WorkerMemoryLimit caps each vat's worker process, in bytes (a vat's
	// creationOptions.memoryLimit overrides it): the OS refuses the worker
	// more, the worker dies and the vat is terminated with the reason "vat
	// exceeded its memory limit (256 MiB)". Negative: no cap. Defaults to
	// platform.DefaultMemoryLimit, 256 MiB.
	WorkerMemoryLimit int64
	// Metrics, when set, counts what the kernel does (build it with
	// metrics.New on your prometheus.Registerer): the crank loop reports
	// to it, the store and the platform are wrapped to time commits and
	// count worker starts and exits, and scrapes read live vats from the
	// router. Defaults to none.
	Metrics *metrics.Kernel
	// RestoreOnDemand makes a kernel start over a store without starting
	// its vats' workers: each restored vat stays dormant (status
	// "dormant": true, no pid) until something is delivered to it (a
	// message, a notify, a garbage-collection action, PingVat), and starts
	// then, before that delivery. A restart's effects on the tables still
	// happen at start: a vat's non-durable exports are gone and the
	// promises it was deciding reject at once. What changes is when each
	// vat's buildRootObject runs again: timers or fetches it starts on a
	// restart wait for its first delivery. Defaults to false: Make starts
	// every vat before it returns.
	RestoreOnDemand bool
	// RemoteComms, when set, connects the kernel to kernels on other
	// machines: it gets a peer ID (kept in the store), listens and dials
	// over libp2p, and offers the ocapURLIssuerService and
	// ocapURLRedemptionService kernel services. Defaults to nil: no
	// remote comms, status "disconnected".
	RemoteComms *RemoteCommsOptions
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = hclog.New(&hclog.LoggerOptions{Name: "ocap", Level: hclog.Warn})
	}
	if o.LaunchTimeout == 0 {
		o.LaunchTimeout = 30 * time.Second
	}
	if o.DeliveryTimeout == 0 {
		o.DeliveryTimeout = 30 * time.Second
	}
	if o.WorkerMemoryLimit == 0 {
		o.WorkerMemoryLimit = platform.DefaultMemoryLimit
	}
	return o
}

// Limits bound what one vat may do in a delivery (see Options.Limits).
type Limits = router.Limits

// DefaultLimits are the limits of a kernel that sets none.
var DefaultLimits = router.DefaultLimits

// Kernel is a running kernel. Its methods are safe for concurrent use.
type Kernel struct {
	opts     Options
	log      hclog.Logger
	launcher platform.Launcher
	db       store.Store
	r        *router.Router

	// launched holds the launch results of system subclusters that this
	// Make launched (rather than restored).
	launchedMu sync.Mutex
	launched   map[string]*SubclusterLaunchResult
	checked    map[string]bool // system subclusters compared with their config

	comms *comms // nil without remote comms
}

// Make starts a kernel over db: it restores every live subcluster (fresh
// workers rebuilt from their baggage), then launches the system subclusters
// that are not there yet. The caller keeps ownership of db.
func Make(ctx context.Context, launcher platform.Launcher, db store.Store, opts Options) (*Kernel, error) {
	if launcher == nil {
		return nil, errors.New("ocap.Make: no platform services (pass platform.New(platform.Options{}))")
	}
	if db == nil {
		return nil, errors.New("ocap.Make: no store (open one with store.Open)")
	}
	opts = opts.withDefaults()
	if err := validateGlobalNames(opts.AllowedGlobalNames); err != nil {
		return nil, err
	}
	var observer router.Observer
	if opts.Metrics != nil {
		db, launcher, observer = opts.Metrics.Store(db), opts.Metrics.Launcher(launcher), opts.Metrics
	}
	k := &Kernel{opts: opts, log: opts.Logger, launcher: launcher, db: db, launched: map[string]*SubclusterLaunchResult{}, checked: map[string]bool{}}
	k.r = router.New(router.Config{Store: db, Launcher: launcher, Logger: opts.Logger.Named("kernel"), DeliveryTimeout: opts.DeliveryTimeout, ReapInterval: opts.ReapInterval,
		AllowedGlobals: opts.AllowedGlobalNames, FetchAllowedHosts: opts.FetchAllowedHosts, Observer: observer, OpenIO: ioOpener(opts.Logger),
		Limits: opts.Limits, MemoryLimit: max(opts.WorkerMemoryLimit, 0), RestoreOnDemand: opts.RestoreOnDemand})
	if opts.Metrics != nil {
		opts.Metrics.Watch(k.r)
	}
	if err := k.start(ctx); err != nil {
		_ = k.Stop(context.Background())
		return nil, err
	}
	return k, nil
}

func (k *Kernel) start(ctx context.Context) error {
	if err := k.RegisterKernelServiceObject("kernelFacet", kernelFacet{k}, SystemOnly()); err != nil {
		return err
	}
	for _, svc := range k.opts.KernelServices {
		var opts []ServiceOption
		if svc.SystemOnly {
			opts = append(opts, SystemOnly())
		}
		if err := k.RegisterKernelServiceObject(svc.Name, svc.Object, opts...); err != nil {
			return err
		}
	}
	if k.opts.RemoteComms != nil {
		if err := k.RegisterKernelServiceObject("ocapURLIssuerService", ocapURLIssuer{k}); err != nil {
			return err
		}
		if err := k.RegisterKernelServiceObject("ocapURLRedemptionService", ocapURLRedeemer{k}); err != nil {
			return err
		}
	}
	if err := k.r.Restore(ctx); err != nil {
		return fmt.Errorf("restoring kernel state from %s: %w", k.db.Info().Location, err)
	}
	if k.opts.RemoteComms != nil {
		if err := k.startRemoteComms(ctx); err != nil {
			return err
		}
	}
	if err := k.keepUnlistedSystemSubclusters(ctx); err != nil {
		return err
	}
	for _, sys := range k.opts.SystemSubclusters {
		if _, err := k.EnsureSystemSubcluster(ctx, sys); err != nil {
			return err
		}
	}
	return nil
}

// keepUnlistedSystemSubclusters looks at the system subclusters in the
// store that the options no longer name. Nothing is deleted implicitly: they
// stay (restored and running, like any subcluster of the store), each with a
// warning saying how to remove it, unless PruneSystemSubclusters asks for
// them to go.
func (k *Kernel) keepUnlistedSystemSubclusters(ctx context.Context) error {
	names, err := k.r.SystemSubclusters(ctx)
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, sys := range k.opts.SystemSubclusters {
		listed[sys.Name] = true
	}
	for _, name := range names {
		if listed[name] {
			continue
		}
		id, _, ok, err := k.r.SystemSubcluster(ctx, name)
		if err != nil || !ok {
			continue
		}
		if !k.opts.PruneSystemSubclusters {
			k.log.Warn(fmt.Sprintf("system subcluster %q (%s) is in the store but not in this start's list: kept, with its state; "+
				"to remove it, terminate %s ('kernel terminate %s') or start with --prune-system (Options.PruneSystemSubclusters)", name, id, id, id),
				"name", name, "subcluster", id)
			continue
		}
		k.log.Warn("pruning: terminating system subcluster no longer listed", "name", name, "subcluster", id)
		if err := k.r.Terminate(ctx, id); err != nil {
			return fmt.Errorf("pruning system subcluster %q: %w", name, err)
		}
	}
	return nil
}

// EnsureSystemSubcluster launches sys unless a subcluster of that name is
// already running (restored from the store); with ForceReset it relaunches
// it from scratch. A restored subcluster's result has no BootstrapResult.
func (k *Kernel) EnsureSystemSubcluster(ctx context.Context, sys SystemSubclusterConfig) (*SubclusterLaunchResult, error) {
	id, root, ok, err := k.r.SystemSubcluster(ctx, sys.Name)
	if err != nil {
		return nil, err
	}
	k.launchedMu.Lock()
	res, launchedHere := k.launched[sys.Name]
	k.launchedMu.Unlock()
	if launchedHere && ok && res.SubclusterID == id {
		return res, nil
	}
	if ok && !sys.Config.ForceReset {
		k.warnDrift(ctx, sys, id)
		return &SubclusterLaunchResult{SubclusterID: id, RootKref: root}, nil
	}
	if ok {
		k.log.Info("forceReset: relaunching system subcluster from scratch", "name", sys.Name, "subcluster", id)
		if err := k.r.Terminate(ctx, id); err != nil {
			return nil, fmt.Errorf("resetting system subcluster %q: %w", sys.Name, err)
		}
	}
	cfg := sys.Config
	res, err = k.launch(ctx, &cfg, sys.Name)
	if err != nil {
		return nil, fmt.Errorf("launching system subcluster %q: %w", sys.Name, err)
	}
	k.launchedMu.Lock()
	k.launched[sys.Name] = res
	k.launchedMu.Unlock()
	return res, nil
}

// SubclusterLaunchResult is what LaunchSubcluster returns.
type SubclusterLaunchResult struct {
	SubclusterID    string   `json:"subclusterId"`
	RootKref        string   `json:"rootKref"`
	BootstrapResult *CapData `json:"bootstrapResult"`
}

// LaunchSubcluster starts the vats of cfg one by one in config order, then
// sends bootstrap(vats, services) to the bootstrap vat's root and returns
// its result. If any step fails, every worker it started is killed and
// nothing of the subcluster is kept.
func (k *Kernel) LaunchSubcluster(ctx context.Context, cfg *ClusterConfig) (*SubclusterLaunchResult, error) {
	return k.launch(ctx, cfg, "")
}

func (k *Kernel) launch(ctx context.Context, cfg *ClusterConfig, systemName string) (*SubclusterLaunchResult, error) {
	if cfg == nil {
		return nil, errors.New("launching a subcluster: no cluster config")
	}
	ctx, cancel := context.WithTimeout(ctx, k.opts.LaunchTimeout)
	defer cancel()
	spec, err := k.subclusterSpec(ctx, cfg, systemName)
	if err != nil {
		return nil, err
	}
	res, err := k.r.Launch(ctx, *spec)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return nil, fmt.Errorf("launching subcluster: did not finish within %s: %w", k.opts.LaunchTimeout, err)
		}
		return nil, fmt.Errorf("launching subcluster: %w", err)
	}
	out := &SubclusterLaunchResult{SubclusterID: res.SubclusterID, RootKref: res.RootKref}
	bootstrap := res.BootstrapResult
	out.BootstrapResult = &bootstrap
	return out, nil
}

// TerminateSubcluster kills the subcluster's workers and removes its vats.
func (k *Kernel) TerminateSubcluster(ctx context.Context, id string) error {
	return k.r.Terminate(ctx, id)
}

// TerminateVat ends one vat of a subcluster: its worker is killed, sends to
// its objects reject with VAT_TERMINATED, the subcluster's other vats carry
// on, and a subcluster whose last vat ends goes too.
func (k *Kernel) TerminateVat(ctx context.Context, vatID string) error {
	return k.r.TerminateVat(ctx, vatID)
}

// QueueMessage sends method(args...) to the object or promise kref and
// waits for the result. A rejection comes back as *RemoteError (with the
// rejection's CapData returned too).
func (k *Kernel) QueueMessage(ctx context.Context, kref, method string, args []any) (CapData, error) {
	if args == nil {
		args = []any{}
	}
	methargs, err := marshal.Marshal([]any{method, args})
	if err != nil {
		return CapData{}, fmt.Errorf("encoding arguments of %s: %w", method, err)
	}
	s, err := k.r.QueueMessage(ctx, kref, methargs)
	if err != nil {
		return CapData{}, err
	}
	if s.Rejected {
		return s.Data, newRemoteError(s.Data)
	}
	return s.Data, nil
}

// Release drops every reference the host was handed to kref, by launches
// and by QueueMessage results, and returns how many there were. An object
// nothing else refers to is then collected (its vat is told to drop it);
// a later QueueMessage naming it fails with ErrUnknownKref. A kernel that
// runs for months needs its hosts to release what they no longer use.
// Refused (ErrNotHeld) for a kref the host does not hold and for a live
// subcluster's root.
func (k *Kernel) Release(ctx context.Context, kref string) (int64, error) {
	return k.r.Release(ctx, kref)
}

// GetPresence makes a reference to kref usable as a QueueMessage argument.
func (k *Kernel) GetPresence(kref, iface string) Ref {
	return Ref{Kref: kref, Iface: iface}
}

// GetSystemSubclusterRoot returns the root kref of a system subcluster.
func (k *Kernel) GetSystemSubclusterRoot(name string) (string, error) {
	_, root, ok, err := k.r.SystemSubcluster(context.Background(), name)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("no system subcluster named %q", name)
	}
	return root, nil
}

// PingVat asks a vat's worker for "pong".
func (k *Kernel) PingVat(ctx context.Context, vatID string) (string, error) {
	return k.r.PingVat(ctx, vatID)
}

// Stop finishes the current crank, stops every worker and ends the kernel.
// The store stays open: it belongs to the caller.
func (k *Kernel) Stop(ctx context.Context) error {
	nerr := k.stopRemoteComms()
	err := k.r.Stop(ctx)
	if err == nil {
		err = nerr
	}
	if cerr := k.launcher.Close(); err == nil {
		err = cerr
	}
	return err
}

// Revoke makes the object kref unreachable for good: every send to it,
// from the host or a vat, rejects with OBJECT_REVOKED.
func (k *Kernel) Revoke(ctx context.Context, kref string) error { return k.r.Revoke(ctx, kref) }

// IsRevoked reports whether kref was revoked.
func (k *Kernel) IsRevoked(ctx context.Context, kref string) (bool, error) {
	return k.r.IsRevoked(ctx, kref)
}

// RestartVat gives a vat a fresh worker: buildRootObject runs again with
// the same parameters and baggage, the root keeps its kref, sends to its
// other (non-durable) exports fail with OBJECT_DELETED.
func (k *Kernel) RestartVat(ctx context.Context, vatID string) error {
	return k.r.RestartVat(ctx, vatID)
}

// UpgradeVat gives a vat new code and keeps its state, as the JavaScript
// kernels' vat upgrade does: the vat restarts in a fresh worker from path
// (a source file, bundled as a launch bundles a sourceSpec, or a file
// written by `kernel bundle`, named *.bundle.js) over the same baggage and
// durable objects; its root keeps its kref. The new buildRootObject must
// define again every durable kind the vat has. If it does not start, the
// vat starts again on its old code and the error says why.
func (k *Kernel) UpgradeVat(ctx context.Context, vatID, path string) error {
	var b *bundle.Bundle
	var err error
	if strings.HasSuffix(path, ".bundle.js") {
		b, err = bundle.Load(path)
	} else {
		b, err = bundle.Build(ctx, path)
	}
	if err != nil {
		return fmt.Errorf("upgrading vat %s: %w", vatID, err)
	}
	return k.r.UpgradeVat(ctx, vatID, b.Script, b.Hash, b.Name)
}

// Reset stops every vat and wipes all kernel state. For debugging.
func (k *Kernel) Reset(ctx context.Context) error { return k.r.Reset(ctx) }

// Failed is closed when the kernel's store failed (a commit or a read was
// refused): no further crank runs, and nothing after the last commit was
// kept. Make a new kernel over the store once it is healthy; Err says what
// failed.
func (k *Kernel) Failed() <-chan struct{} { return k.r.Failed() }

// Err is the store failure that stopped the kernel, or nil.
func (k *Kernel) Err() error {
	if err := k.r.Err(); err != nil {
		return fmt.Errorf("kernel store %s failed: %w", k.db.Info().Location, err)
	}
	return nil
}

// WorkerPIDs lists the process of every running vat, by vat id.
func (k *Kernel) WorkerPIDs(ctx context.Context) (map[string]int, error) {
	return k.r.WorkerPIDs(), nil
}
