package supervisor

import (
	"os"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/endowments"
	"github.com/ocapgo/ocap/supervisor/handshake"
)

// Options configures a vat-worker.
type Options struct {
	// Logger receives the worker's logs. The kernel re-logs the worker's
	// stderr under the vat's name, so the default writes JSON lines there.
	// Defaults to hclog JSON on stderr at the level the kernel asked for.
	Logger hclog.Logger

	// NewRuntime builds the vat runtime. A worker without one answers
	// every delivery with an error saying so. Defaults to liveslots on
	// goja with MakeAllowedGlobals.
	NewRuntime NewRuntimeFunc

	// MakeAllowedGlobals builds the endowments a vat asks for (its
	// config's globals): the guide's makeAllowedGlobals. It is used by
	// the default NewRuntime only. Defaults to endowments.Make; see the
	// endowments package for an example of a custom one.
	MakeAllowedGlobals endowments.Factory
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = defaultLogger()
	}
	if o.NewRuntime == nil {
		o.NewRuntime = newDefaultRuntime(o.MakeAllowedGlobals)
	}
	return o
}

// defaultLogger writes JSON lines to the process's real stderr, which the
// kernel reads. It must be built before go-plugin replaces os.Stderr.
func defaultLogger() hclog.Logger {
	level := hclog.LevelFromString(os.Getenv(handshake.LogLevelEnv))
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	return hclog.New(&hclog.LoggerOptions{
		Level:      level,
		Output:     os.Stderr,
		JSONFormat: true,
	})
}
