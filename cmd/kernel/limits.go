package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/internal/bytesize"
	"github.com/ocapgo/ocap/platform"
)

// limitsHelp documents --limit in 'serve --help' and 'run --help'.
var limitsHelp = fmt.Sprintf(`--limit NAME=VALUE (repeatable) sets one of the kernel's per-vat limits; a
vat's creationOptions may set them again for that vat. A vat that breaks one is
terminated with a reason naming it. Sizes take KiB, MiB or GiB. Names and
defaults:
  maxMessageBytes        %d  one message a vat sends, or one result it gives
  maxCrankDataBytes      %d  all capability data of one delivery's syscalls
  maxSyscalls            %d  syscalls in one delivery
  maxSends               %d  sends in one delivery
  maxVatstoreEntryBytes  %d  one baggage/vatstore key plus value
  maxVatstoreBytes       %d  a vat's whole baggage/vatstore
  maxCListEntries        %d  references a vat holds at once (imports, exports, promises)
  logBytesPerSecond      %d  a vat's log output (excess dropped and counted)
  maxWorkerMessageBytes  %d  one gRPC message between kernel and worker`,
	ocap.DefaultLimits.MaxMessageBytes, ocap.DefaultLimits.MaxCrankDataBytes, ocap.DefaultLimits.MaxSyscalls,
	ocap.DefaultLimits.MaxSends, ocap.DefaultLimits.MaxVatstoreEntryBytes, ocap.DefaultLimits.MaxVatstoreBytes, ocap.DefaultLimits.MaxCListEntries,
	platform.DefaultLogBytesPerSecond, platform.DefaultMaxMessageBytes)

// kernelLimits is what the --limit flags set.
type kernelLimits struct {
	vat        ocap.Limits
	maxMessage int // platform.Options.MaxMessageBytes
	logRate    int // platform.Options.LogBytesPerSecond
}

// parseLimits reads --limit NAME=VALUE flags.
func parseLimits(flags []string) (kernelLimits, error) {
	var l kernelLimits
	for _, f := range flags {
		name, value, ok := strings.Cut(f, "=")
		if !ok {
			return l, usagef("--limit takes NAME=VALUE, got %q", f)
		}
		n, err := parseSize(value)
		if err != nil {
			return l, usagef("--limit %s: %v", name, err)
		}
		switch name {
		case "maxMessageBytes":
			l.vat.MaxMessageBytes = n
		case "maxCrankDataBytes":
			l.vat.MaxCrankDataBytes = n
		case "maxSyscalls":
			l.vat.MaxSyscalls = n
		case "maxSends":
			l.vat.MaxSends = n
		case "maxVatstoreEntryBytes":
			l.vat.MaxVatstoreEntryBytes = n
		case "maxVatstoreBytes":
			l.vat.MaxVatstoreBytes = int64(n)
		case "maxCListEntries":
			l.vat.MaxCListEntries = n
		case "logBytesPerSecond":
			l.logRate = n
		case "maxWorkerMessageBytes":
			l.maxMessage = n
		default:
			return l, usagef("--limit: unknown limit %q (see kernel serve --help)", name)
		}
	}
	return l, nil
}

// parseSize reads a limit: a positive size that fits a 32-bit int, in
// bytesize's notation (4096, 64KiB, 8 MiB).
func parseSize(s string) (int, error) {
	n, err := bytesize.Parse(s)
	if err != nil || n <= 0 || n > math.MaxInt32 {
		return 0, fmt.Errorf("want a positive whole number (optionally with KiB, MiB or GiB), got %q", s)
	}
	return int(n), nil
}
