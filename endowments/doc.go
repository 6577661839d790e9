// Package endowments builds the host and Web APIs a vat may ask for in its
// config's globals: timers, Date, Math, crypto and SubtleCrypto,
// TextEncoder and TextDecoder, URL and URLSearchParams, atob and btoa,
// AbortController and AbortSignal, fetch with Request, Headers and
// Response. Names lists them.
//
// Each group lives in one file with a factory (makeTimers, makeNetwork,
// ...) and, where the API is easier to write in JavaScript, a script in
// js/ that runs in the vat's goja runtime over a few Go functions. Make,
// the default Factory, builds only the groups the vat asked for and
// returns them with one teardown that stops everything they hold: timers
// are cancelled, requests and body reads aborted, idle connections closed.
//
// # The event loop
//
// Go-side work (a timer firing, a response arriving, a body chunk read)
// reaches JavaScript only through Config.Enqueue: the goroutine that did
// the work queues a function, and the vat's goroutine runs it between
// deliveries as one turn of the vat, its promise jobs drained before the
// next. Sends and resolutions such a turn makes are buffered by liveslots,
// which asks the kernel for a crank to collect them.
//
// # A custom factory
//
// A host that needs other endowments builds its own worker binary with its
// own Factory; the Go form of the guide's makeAllowedGlobals:
//
//	func main() {
//		supervisor.Serve(supervisor.Options{
//			MakeAllowedGlobals: func(cfg endowments.Config) (*endowments.Endowments, error) {
//				end, err := endowments.Make(cfg) // keep the defaults...
//				if err != nil {
//					return nil, err
//				}
//				// ...and add one: a fixed clock.
//				clock, err := cfg.Runtime.RunString(`(function now() { return 0; })`)
//				if err != nil {
//					end.Teardown()
//					return nil, err
//				}
//				end.Globals["fixedNow"] = clock
//				return end, nil
//			},
//		})
//	}
//
// and points platform.Options{WorkerPath} at it. The factory runs once per
// vat, at its start, on the vat's goroutine, with the names the vat asked
// for (after the kernel's AllowedGlobalNames); a requested name missing
// from the returned Globals fails the start with
// `Vat "<id>" requested unknown global "<name>"`.
package endowments
