// Package liveslots is the in-vat object model, the vat-worker's default
// runtime: one goja runtime per vat, its intrinsics frozen, running the
// liveslots JavaScript (vrefs, presences, exos, E, promises, smallcaps
// marshalling, baggage over the vatstore) behind thin Go glue that turns
// kernel deliveries into JS calls and collects the vat's syscalls in order.
//
//	v, err := liveslots.New(logger, wantCrank)
//	res := v.Deliver(delivery) // *workerpb.DeliveryResult
//	v.Close()
//
// A Vat is driven from one goroutine. Each Deliver runs JavaScript until the
// vat is quiescent: goja drains its promise job queue when a top-level call
// returns, so every turn a delivery causes happens inside it.
//
// Between deliveries the vat has an event loop of its own: endowments
// (timers, fetch) queue callbacks from other goroutines, Ready signals them
// and RunPending runs them on the vat's goroutine, each as one turn. The
// syscalls such a turn makes are outside any delivery: they are held, the
// first one calls wantCrank, and they travel at the head of the next
// delivery's result (the kernel sends a Flush delivery for them when it has
// nothing else for the vat). Close and a stopVat delivery tear the
// endowments down.
//
// # What vat code sees
//
// The ECMAScript standard library (frozen; Date.now(), new Date() and
// Math.random() throw in secure mode), harden, console, assert (SES's, in
// small: callable, equal, typeof, string, fail, details/X, quote/q, bare/b,
// makeError, Fail), the endowments its config's globals ask for (package
// endowments builds them; each is hardened and installed before the bundle
// runs; a name the kernel's allowlist or the factory lacks fails the start
// with `Vat "<id>" requested unknown global "<name>"`), and the built-in
// modules its bundle requires through __ocap_require (also passed as
// `require`, which esbuild's output for external imports uses). Each
// namespace is made on first require:
//
//	@endo/eventual-send          E (E.when, E.get, E.sendOnly, E.resolve)
//	@endo/far                    E, Far, Remotable, getInterfaceOf, passStyleOf
//	@metamask/kernel-utils/exo   makeDefaultExo, makeDefaultInterface
//	@metamask/kernel-utils       the above, makeDiscoverableExo, GET_DESCRIPTION,
//	                             S, mergeDisjointRecords, makeCounter, ifDefined,
//	                             delay, stringify, toHex, fromHex, isPrimitive,
//	                             isTypedArray, isTypedObject, isCapData,
//	                             isJsonRpcCall, isJsonRpcMessage, isVatBundle,
//	                             EmptyJsonArray
//	@metamask/kernel-utils/discoverable
//	                             makeDiscoverableExo, GET_DESCRIPTION
//	@metamask/logger             Logger, makeConsoleTransport, makeArrayTransport
//	@endo/exo                    makeExo, defineExoClass, defineExoClassKit,
//	                             initEmpty, GET_INTERFACE_GUARD
//	@endo/marshal                passStyleOf, isPassable, assertPassable,
//	@endo/pass-style             makeTagged, getTag, getInterfaceOf, Far, Remotable
//	@endo/patterns               M, mustMatch, matches, keys (isKey, keyEQ, keyLT,
//	                             ...), copySet/copyBag/copyMap, guard payloads
//	@endo/promise-kit            makePromiseKit
//	@endo/errors                 Fail, q, X, b, makeError, assert, ...
//	@agoric/store                makeScalarMapStore, makeScalarSetStore, their
//	                             weak forms, provideLazy, and @endo/patterns
//	@metamask/ocap-kernel        (empty: types only)
//	@agoric/vat-data             VatData's functions, prepareExoClass(Kit),
//	                             prepareExo, prepareKind(Multi), provide,
//	                             provideDurable*Store, provideKindHandle, ...
//
// Exos (exo.js) are defended by their interface guards as endo's are:
// patterns.js checks arguments and results against M patterns with endo's
// messages (`In "add" method of (root): arg 1: string "x" - Must be a
// number`); a makeDefaultExo without a guard gets the passable default,
// which only checks that arguments and result can pass. Methods run with
// `this` bound to {state, self} (or {state, facets} in a kit).
//
// buildRootObject(vatPowers, parameters, baggage) gets vatPowers =
// {logger, VatData} (logger: a @metamask/logger Logger writing to the
// kernel log with its tags), the parameters decoded and hardened, and baggage
// (has, init, get, set, delete, keys, values, entries, getSize) stored in
// the vatstore as "baggage.<key>" = JSON of the value's CapData.
//
// VatData (vom.js, collections.js, vatdata.js) gives kinds whose objects
// keep their state in the vatstore: durable ones (o+d<kind>/<n>) outlive
// the incarnation and get their behaviour again when the next one defines
// their kind anew; big stores keep their entries there too. Durable
// storage (baggage, durable state and stores) takes only data, presences
// and durable objects.
//
// Error texts leave the vat (rejections, errors passed as values, start
// failures, log lines) in V8's words where goja's TypeErrors for common
// mistakes differ: a call of a missing method names the expression called
// ("celsius.getFahrenheit is not a function"), read from the bundle at the
// error's position (engineerrors.go), and a property read or write of
// undefined reads "Cannot read properties of undefined (reading 'x')" or
// "Cannot set properties of undefined (setting 'x')".
//
// # Vatstore
//
// StartVat carries the vatstore whole (a small one) or its first entries
// (vatstore_partial); the rest is read from the kernel as the vat needs it,
// through the reader the supervisor gives SetVatstoreReader, and cached in
// Go (vatstore.go). Writes are syscalls, and stay in the cache; the writes
// of the delivery in progress, which the kernel has not seen, are merged
// into the kernel's answers.
//
// # Wire conventions
//
// The vat allocates o+N (o+0 is the root) and p+N; after a crank that
// allocated any, it saves the counters as vatstore "idCounters"
// ({"exportID":N,"promiseID":M}) so a restarted vat never reuses a vref.
// A send with a result is followed by subscribe(result); an imported p-N
// is subscribed once; a local promise exported as p+N is resolved by the
// vat when it settles. Message and settlement values are hardened before
// they are encoded, as SwingSet does.
//
// Garbage collection follows SwingSet's liveslots (vrefs.js): presences
// and exports are named through a Go-side weak table (weak.go), exports
// the kernel can reach are held strongly until dropExports (the root
// always), presences named in the vatstore stay reachable while they are
// there, and bringOutYourDead runs runtime.GC and reports what went:
// dropImports and retireImports for presences, retireExports for dropped
// exports, each list sorted. Vat code cannot observe any of it: its
// WeakMap and WeakSet (weakcollections.js) key presences by vref.
//
// A promise the vat decides for the kernel (p+N, or a message's result)
// that was resolved into a cycle of promises never settles in JavaScript;
// once the vat is quiescent it is rejected instead, in the kernel's words
// ("... a cycle of promises never settles"), while the vat's own promise
// objects stay pending. The global Promise records what each promise it
// makes is resolved to, for this; cycles through the results of async
// functions or of then() are not seen.
package liveslots
