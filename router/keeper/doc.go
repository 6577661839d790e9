// Package keeper is the only code that reads or writes the kernel's store
// keys: every kernel table lives in one ordered key space, and this package
// spells its keys and owns its records. The router asks for domain things
// (a promise, a c-list entry, the head of the run queue) and never sees a key.
//
// A crank reads through its write buffer and an in-memory copy of the store
// (all of it but the vatstores, which are read from the store when their vat
// asks), and its writes go to the store in one transaction (see Keeper).
//
// The schema, every key the kernel writes (one file of this package per
// family; <n> is a decimal number, <vref> a vat's name for something, o+3 or
// p-4, <kref> the kernel's, ko12 or kp7):
//
// Counters (counters.go):
//
//	kernel.nextKo                next object number (ko<n>)
//	kernel.nextKp                next promise number (kp<n>)
//	kernel.nextVat               next vat number (v<n>)
//	kernel.nextSub               next subcluster number (s<n>)
//	kernel.refcounts             "1": the reference counts below are kept (refcounts.go)
//
// Run queue (queue.go):
//
//	rq.head                      number of the first item
//	rq.tail                      number after the last item
//	rq.<n>                       item n, for head <= n < tail (JSON RunItem)
//
// GC queue (gcqueue.go), what vats must be told of objects nobody needs:
//
//	gcq.head                     number of the first action
//	gcq.tail                     number after the last action
//	gcq.<n>                      action n (JSON GCAction: dropExports, retireExports or retireImports)
//
// Objects (objects.go):
//
//	o.<ko>                       owner: a vat id, or "kernel" for services
//	o.<ko>.gone                  why the object no longer exists (an error text)
//	o.<ko>.revoked               "1" once revoked; revocation is permanent
//	o.<ko>.iface                 interface name of a kernel service
//	o.<ko>.refs                  "<reachable>,<recognizable>": its reference counts; absent when both are 0
//
// Promises (promises.go):
//
//	kp.<kp>                      the promise (JSON Promise, its reference count in refs)
//	kp.<kp>.q.<n>                a message queued on the unresolved promise (JSON RunItem)
//
// C-lists (clist.go), both directions of each entry:
//
//	c.<vat>.<vref>               the kref the vat's vref stands for
//	c.<vat>.<kref>               the vref the vat knows the kref by, then " recognizable" once it cannot reach it
//
// Vats (vats.go):
//
//	vat.<vat>                    what it takes to start the vat again (JSON Vat)
//	vat.<vat>.next               next number for kernel-allocated vrefs (o-<n>, p-<n>)
//	vs.<vat>.<key>               the vat's vatstore (its baggage lives here); <key> is the vat's own
//
// Subclusters (subclusters.go):
//
//	sc.<sub>                     a launched group of vats (JSON Subcluster)
//	sys.<name>                   a system subcluster's id by name
//
// Bundles (bundles.go):
//
//	bundle.<sha256>              a vat's bundled script
//
// Kernel services (services.go):
//
//	svc.<name>                   a registered kernel service's kref
//	svcwait.next                 next number for parked calls
//	svcwait.<kref>.<n>           a message to a service not registered yet (JSON RunItem)
//	svccall.<kp>                 name of the service deciding kp: a call in progress
//
// IO channels (iochannels.go):
//
//	io.<sub>.<key>               kref of the subcluster's io channel <key> (a config's io entry name)
//
// Host references (refcounts.go):
//
//	host.<kref>                  how many times the kref was handed to the host (a launch's root, a result)
//
// Every kref these tables name is counted in its object's or promise's
// reference counts (see refcounts.go).
//
// Each family's patterns are also in Schema, which the tests check against
// this comment and against every key of a store after a busy run.
package keeper
