package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/control"
	"github.com/ocapgo/ocap/internal/bytesize"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/remote"
	"github.com/ocapgo/ocap/store"
)

// stopTimeout bounds the kernel's part of a graceful stop (the current
// crank, then every worker); httpTimeout the control API's. Past them the
// daemon exits anyway: its workers die with it.
const (
	stopTimeout = 10 * time.Second
	httpTimeout = 2 * time.Second
)

// defaultSpares is how many workers a daemon keeps started ahead of need
// (--spare-workers): a launch then skips process start-up.
const defaultSpares = 2

func init() {
	verbs["serve"] = verb{
		usage:   "serve [--db URL] [--socket PATH] [--system NAME=cluster.json ...] [--prune-system] [--metrics-addr ADDR] [--spare-workers N] [--delivery-timeout DURATION] [--limit NAME=VALUE ...] [--worker-memory SIZE] [--restore-on-demand] [--remote-listen MULTIADDR ...] [--remote-peer MULTIADDR ...] [--remote-relay MULTIADDR ...] [--log-level LEVEL] [--log-format text|json]",
		summary: "run the kernel as a daemon, managed through its control API on a unix socket",
		details: pruneHelp + "\n\n" + deliveryTimeoutHelp + "\n\n" + limitsHelp + "\n\n" + workerMemoryHelp + "\n\n" + remoteHelp,
		example: "kernel serve --db sqlite:///tmp/ocap.db --socket /tmp/ocap.sock --system hello=testdata/clusters/hello.json",
		make:    serveCommand,
	}
}

// serveFlags are the flags of 'kernel serve'.
type serveFlags struct {
	db, socket, metricsAddr, logLevel, logFormat, timeout string
	workerMemory                                          string
	systems                                               []string
	spares                                                int
	prune, onDemand                                       bool
	limits                                                []string
	remoteListen, remotePeers, remoteRelays               []string
}

func serveCommand(_ verb, out streams) *cobra.Command {
	var f serveFlags
	c := &cobra.Command{Args: args(0, 0)}
	fs := c.Flags()
	dbFlag(fs, &f.db)
	socketFlag(fs, &f.socket)
	fs.StringArrayVar(&f.systems, "system", nil, "a system subcluster `NAME=cluster.json`, launched once and restored afterwards (repeatable)")
	fs.BoolVar(&f.prune, "prune-system", false, "terminate the store's system subclusters that no --system names (default: keep them)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve /metrics, /healthz and /readyz on `host:port` (default: none)")
	fs.IntVar(&f.spares, "spare-workers", defaultSpares, "workers kept started ahead of need")
	deliveryTimeoutFlag(fs, &f.timeout)
	fs.StringArrayVar(&f.limits, "limit", nil, "a per-vat limit `NAME=VALUE` (repeatable; names and defaults below)")
	fs.StringVar(&f.workerMemory, "worker-memory", bytesize.Format(platform.DefaultMemoryLimit), "each vat worker's memory cap, a `SIZE` such as 512MiB, or none")
	fs.BoolVar(&f.onDemand, "restore-on-demand", false, "start no vat at start: each restored vat starts at its first delivery (default: all start before the daemon serves)")
	fs.StringArrayVar(&f.remoteListen, "remote-listen", nil, "turn remote comms on, listening on `MULTIADDR` such as /ip4/0.0.0.0/tcp/4001 (repeatable)")
	fs.StringArrayVar(&f.remotePeers, "remote-peer", nil, "a peer kernel's `MULTIADDR` ending in /p2p/PEER_ID, dialled when needed; turns remote comms on (repeatable)")
	fs.StringArrayVar(&f.remoteRelays, "remote-relay", nil, "a relay `MULTIADDR` this kernel may be reached through, put in the URLs it issues (repeatable)")
	logFlags(fs, &f.logLevel, &f.logFormat, "info")
	c.RunE = func(c *cobra.Command, _ []string) error {
		private := !c.Flags().Changed("socket") && os.Getenv("OCAP_SOCKET") == "" && os.Getenv("XDG_RUNTIME_DIR") == ""
		return serve(f, private, out.stderr)
	}
	return c
}

// serve checks the flags, then runs the daemon until it is asked to stop.
// private: the socket is the per-user default in the shared temporary
// folder, whose folder must be closed to others.
func serve(f serveFlags, private bool, stderr io.Writer) error {
	level := f.logLevel
	if hclog.LevelFromString(level) == hclog.NoLevel {
		return usagef("unknown --log-level %q (trace, debug, info, warn, error)", level)
	}
	jsonLogs, err := parseLogFormat(f.logFormat)
	if err != nil {
		return err
	}
	if f.spares < 0 {
		return usagef("--spare-workers takes a number of workers, got %d", f.spares)
	}
	timeout, err := deliveryTimeout(f.timeout)
	if err != nil {
		return err
	}
	limits, err := parseLimits(f.limits)
	if err != nil {
		return err
	}
	memory, err := workerMemory(f.workerMemory)
	if err != nil {
		return err
	}
	systems, err := parseSystems(f.systems)
	if err != nil {
		return err
	}
	for i := range systems {
		cfg, err := ocap.LoadClusterConfig(systems[i].path)
		if err != nil {
			return fmt.Errorf("--system %s: %w", systems[i].Name, err)
		}
		systems[i].Config = *cfg
	}
	socket, err := filepath.Abs(f.socket)
	if err != nil {
		return fmt.Errorf("socket path: %w", err)
	}
	base := newLogger(stderr, level, "info", jsonLogs)
	ms, err := listenMetrics(f.metricsAddr, base)
	if err != nil {
		return err
	}
	defer ms.close()
	d := &daemon{
		base:     base,
		log:      base.Named("serve"),
		socket:   socket,
		dbURL:    f.db,
		metrics:  ms,
		spares:   f.spares,
		timeout:  timeout,
		prune:    f.prune,
		onDemand: f.onDemand,
		limits:   limits,
		memory:   memory,
		stopped:  make(chan struct{}),
		remote:   remoteOptions(f),
	}
	for _, s := range systems {
		d.systems = append(d.systems, s.SystemSubclusterConfig)
	}
	return d.run(private)
}

type systemFlag struct {
	ocap.SystemSubclusterConfig
	path string
}

// parseSystems reads the --system NAME=cluster.json flags.
func parseSystems(flags []string) ([]systemFlag, error) {
	var out []systemFlag
	seen := map[string]bool{}
	for _, s := range flags {
		name, path, ok := strings.Cut(s, "=")
		if !ok || name == "" || path == "" {
			return nil, usagef("--system takes NAME=cluster.json, got %q", s)
		}
		if seen[name] {
			return nil, usagef("--system %s is given twice", name)
		}
		seen[name] = true
		out = append(out, systemFlag{SystemSubclusterConfig: ocap.SystemSubclusterConfig{Name: name}, path: path})
	}
	return out, nil
}

// daemon is one `kernel serve`: a store, a kernel over it, and the control
// API in front of the kernel.
type daemon struct {
	spares   int                   // workers kept started ahead of need
	timeout  time.Duration         // the delivery time limit
	prune    bool                  // --prune-system
	onDemand bool                  // --restore-on-demand
	limits   kernelLimits          // --limit
	memory   int64                 // --worker-memory (ocap.Options.WorkerMemoryLimit)
	base     hclog.InterceptLogger // the kernel's logger; log is ours
	log      hclog.Logger
	socket   string
	dbURL    string
	systems  []ocap.SystemSubclusterConfig
	metrics  *metricsServer           // nil without --metrics-addr
	remote   *ocap.RemoteCommsOptions // nil without remote comms

	stopOnce sync.Once
	stopped  chan struct{} // closed by the first stop request or signal
}

func (d *daemon) requestStop() {
	d.stopOnce.Do(func() {
		close(d.stopped)
		_ = sdNotify("STOPPING=1")
	})
}

// run claims the socket, then the store, listens, starts the kernel and
// serves until asked to stop. It listens before the kernel is made, so a
// second daemon is refused at once and clients see STARTING rather than
// "no daemon" while subclusters are restored: `kernel status` succeeds
// only once the kernel is ready.
func (d *daemon) run(private bool) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case sig := <-sigs:
			d.log.Info("signal received: stopping", "signal", sig.String())
			d.requestStop()
		case <-d.stopped:
		}
	}()

	claim, err := claimSocket(d.socket, private)
	if err != nil {
		return err
	}
	defer claim.release()
	db, err := openStore(context.Background(), d.dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := claim.listen()
	if err != nil {
		return err
	}
	vatLogs := control.NewVatLogs(d.base.GetLevel())
	d.base.RegisterSink(vatLogs)
	defer d.base.DeregisterSink(vatLogs)
	srv := control.NewServer(control.ServerOptions{Logger: d.log.Named("control"), Stop: d.requestStop, VatLogs: vatLogs})
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: d.log.StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true})}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	defer d.closeHTTP(hs)
	d.log.Info("listening; starting the kernel", "socket", d.socket, "store", db.Info().Location)

	launcher := platform.New(platform.Options{Logger: d.base.Named("platform"), Spares: d.spares,
		MaxMessageBytes: d.limits.maxMessage, LogBytesPerSecond: d.limits.logRate})
	k, err := d.makeKernel(launcher, db)
	if err != nil || k == nil {
		_ = launcher.Close()
		if err == nil {
			d.log.Info("stopped")
		}
		return err
	}
	srv.Ready(k)
	d.metrics.setReady(true)
	d.log.Info("kernel ready", "socket", d.socket, "store", db.Info().Location, "pid", os.Getpid())
	if err := sdNotify("READY=1\nMAINPID=" + strconv.Itoa(os.Getpid())); err != nil {
		d.log.Warn("telling systemd the daemon is ready", "error", err)
	}

	select {
	case <-d.stopped:
	case err = <-served:
		err = fmt.Errorf("control API stopped serving: %w", err)
		d.log.Error("stopping", "error", err)
	case <-k.Failed():
		err = fmt.Errorf("%w; nothing after the last commit was kept: restart 'kernel serve' once the store is healthy and it resumes from there", k.Err())
		d.log.Error("stopping: the store failed", "error", k.Err())
	}
	srv.Stopping()
	d.metrics.setReady(false)
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if serr := k.Stop(ctx); serr != nil {
		d.log.Warn("kernel did not stop cleanly", "error", serr)
	}
	if cerr := db.Close(); cerr != nil {
		d.log.Warn("closing the store", "error", cerr)
	}
	d.log.Info("stopped")
	return err
}

type made struct {
	k   *ocap.Kernel
	err error
}

// makeKernel restores the store's subclusters and launches the system
// subclusters. A stop asked for meanwhile cancels that and returns no
// kernel and no error: the daemon was told to go away, and does.
func (d *daemon) makeKernel(launcher platform.Launcher, db store.Store) (*ocap.Kernel, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan made, 1)
	go func() {
		k, err := ocap.Make(ctx, launcher, db, ocap.Options{
			Logger:                 d.base,
			SystemSubclusters:      d.systems,
			PruneSystemSubclusters: d.prune,
			Metrics:                d.metrics.kernel(),
			DeliveryTimeout:        d.timeout,
			Limits:                 d.limits.vat,
			WorkerMemoryLimit:      d.memory,
			RemoteComms:            d.remote,
			RestoreOnDemand:        d.onDemand,
		})
		done <- made{k, err}
	}()
	select {
	case m := <-done:
		if m.err != nil {
			return nil, fmt.Errorf("starting the kernel: %w", m.err)
		}
		return m.k, nil
	case <-d.stopped:
	}
	d.log.Info("stop requested while starting: abandoning the start")
	cancel()
	select {
	case m := <-done:
		if m.k != nil {
			return m.k, nil // ready after all: stop it the usual way
		}
	case <-time.After(stopTimeout):
		d.log.Warn("the kernel did not abandon its start in time; exiting anyway")
	}
	return nil, nil
}

// closeHTTP stops the control API: in-flight requests get httpTimeout to
// finish (they are answered STOPPING by then), then connections are cut.
func (d *daemon) closeHTTP(hs *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), httpTimeout)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		d.log.Warn("closing the control API", "error", err)
	}
	_ = hs.Close()
}

// remoteHelp documents the remote comms flags in 'serve --help'.
const remoteHelp = `Remote comms (--remote-listen, --remote-peer, or $OCAP_REMOTE_MNEMONIC) connect
this kernel to kernels on other machines over libp2p: the kernel gets a peer
ID, kept in its store, and 'kernel issue-url KREF' / 'kernel redeem-url URL'
(and the ocapURLIssuerService / ocapURLRedemptionService kernel services)
hand objects across. $OCAP_REMOTE_MNEMONIC, a BIP39 mnemonic, derives the
peer ID instead of a random key; a store that already has another identity
refuses it.`

// remoteOptions are the remote comms options of the flags; nil when they
// do not turn remote comms on.
func remoteOptions(f serveFlags) *ocap.RemoteCommsOptions {
	mnemonic := os.Getenv("OCAP_REMOTE_MNEMONIC")
	if len(f.remoteListen) == 0 && len(f.remotePeers) == 0 && mnemonic == "" {
		return nil
	}
	return &ocap.RemoteCommsOptions{Network: remote.Network{ListenAddrs: f.remoteListen, KnownPeers: f.remotePeers, Relays: f.remoteRelays}, Mnemonic: mnemonic}
}
