// vrefs.js keeps the vat's vref tables: which presence, export or promise
// each vref names, which promises the kernel still has to settle, and the
// counters the vat allocates o+N and p+N from. Marshalling through these
// tables imports (presences, subscribed promises) and exports (o+N, p+N)
// as a side effect, following SwingSet's rules.
(function vrefsModule(lib) {
  'use strict';

  const { harden, inspect, registerRemotable, isPromise, makeMarshal, promiseLink, onPromiseLink } = lib;
  const { freeze, defineProperty } = Object;

  const noop = () => {};

  // makeVrefs(host) returns the tables of one vat; host is the Go side.
  const makeVrefs = host => {
    // slotToVal: every vref the vat currently knows (exports, presences,
    // promises); valToSlot is its inverse. Both hold strongly, as the vat
    // does not collect garbage yet (and a Map is several times cheaper than
    // a WeakMap in goja).
    const slotToVal = new Map();
    const valToSlot = new Map();
    // kernelDecided: promises someone else decides (imported p-N, results
    // of our sends p+N) with their resolvers, until the kernel notifies.
    const kernelDecided = new Map();
    // resolvedTo: what a kernel-decided promise settled to, so E() on it
    // can go straight to the value (e.g. a presence) without a turn.
    const resolvedTo = new WeakMap();
    // decided: promises this vat decides for the kernel (its exported p+N,
    // the results p-N of messages to it) until they settle.
    const decided = new Map();

    // The vat allocates o+N and p+N; o+0 is the root. The counters are
    // saved at the end of a crank that moved them, so a restarted vat never
    // reuses a vref the kernel knows.
    let nextExportID = 1;
    let nextPromiseID = 1;
    let countersDirty = false;

    // markDirty tells the Go side this crank must end with endCrank.
    const markDirty = () => {
      if (!countersDirty) {
        countersDirty = true;
        host.crankWork();
      }
    };

    const register = (vref, val) => {
      slotToVal.set(vref, val);
      valToSlot.set(val, vref);
    };
    const forget = vref => {
      const val = slotToVal.get(vref);
      slotToVal.delete(vref);
      decided.delete(vref);
      if (val !== undefined) valToSlot.delete(val);
    };

    // A cycle check is due at the end of a crank in which a promise was
    // resolved to another, or in which a promise linked so became one this
    // vat decides.
    let cycleCheckDue = false;
    const cycleCheckNeeded = () => {
      if (!cycleCheckDue) {
        cycleCheckDue = true;
        host.crankWork();
      }
    };
    onPromiseLink(cycleCheckNeeded);

    // registerDecided registers a promise this vat decides for the kernel.
    const registerDecided = (vref, promise) => {
      register(vref, promise);
      decided.set(vref, promise);
      if (promiseLink(promise) !== undefined) cycleCheckNeeded();
    };

    const allocatePromiseVref = () => {
      markDirty();
      const vref = `p+${nextPromiseID}`;
      nextPromiseID += 1;
      return vref;
    };

    const isPresenceVref = vref => vref.charCodeAt(0) === 111 && vref.charCodeAt(1) === 45; // "o-"
    const vrefOfPresence = x => {
      const vref = valToSlot.get(x);
      return vref !== undefined && isPresenceVref(vref) ? vref : undefined;
    };

    // makeKernelPromise registers a promise the kernel will settle.
    const makeKernelPromise = vref => {
      let resolve;
      let reject;
      const promise = freeze(
        new Promise((res, rej) => {
          resolve = res;
          reject = rej;
        }),
      );
      register(vref, promise);
      kernelDecided.set(vref, { promise, resolve, reject });
      return promise;
    };

    // settleKernelPromise applies a notify to one promise and retires its
    // vref; false if the vref is not one the kernel decides for us.
    const settleKernelPromise = (vref, rejected, value) => {
      const kit = kernelDecided.get(vref);
      if (kit === undefined) return false;
      kernelDecided.delete(vref);
      forget(vref);
      resolvedTo.set(kit.promise, { rejected, value });
      if (rejected) kit.reject(value);
      else kit.resolve(value);
      return true;
    };

    // Assigned below, once marshal exists: exporting a local promise
    // resolves it through marshal later.
    let resolveLocal;

    const exportValue = val => {
      let vref;
      if (isPromise(val)) {
        vref = allocatePromiseVref();
        registerDecided(vref, val);
        // The vat decides this promise: its settlement becomes a resolve.
        val.then(
          value => resolveLocal(vref, false, value),
          reason => resolveLocal(vref, true, reason),
        );
      } else {
        vref = `o+${nextExportID}`;
        nextExportID += 1;
        markDirty();
        register(vref, val);
      }
      return vref;
    };

    const convertValToSlot = val => {
      const vref = valToSlot.get(val);
      return vref !== undefined ? vref : exportValue(val);
    };

    // lookup gives what a vref names: a known value, else an object of
    // the vat's durable or virtual kinds or stores (see vom.js), made
    // again from the vatstore by the reanimator.
    let reanimate = () => undefined;
    const lookup = vref => {
      const known = slotToVal.get(vref);
      if (known !== undefined || vref.charCodeAt(0) !== 111 || vref.charCodeAt(1) !== 43) return known; // "o+"
      return reanimate(vref);
    };

    const convertSlotToVal = (vref, iface, kind) => {
      if (typeof vref !== 'string' || vref.length < 3) throw TypeError(`bad vref ${inspect(vref)}`);
      const type = vref.charAt(0);
      if ((kind === '$') !== (type === 'o')) {
        throw TypeError(`vref ${vref} does not match its encoding "${kind}"`);
      }
      const known = lookup(vref);
      if (known !== undefined) return known;
      const dir = vref.charAt(1);
      if (type === 'o' && dir === '-') {
        const presence = {};
        defineProperty(presence, Symbol.toStringTag, {
          value: iface === undefined ? 'Alleged: presence' : iface,
        });
        registerRemotable(presence, iface);
        register(vref, presence);
        return presence;
      }
      if (type === 'p' && dir === '-') {
        const promise = makeKernelPromise(vref);
        // Whoever sent it handles its rejection; an import nobody here
        // uses is not an unhandled rejection of this vat.
        promise.catch(noop);
        host.subscribe(vref);
        return promise;
      }
      throw Error(type === 'o' ? `no object ${vref}` : `no promise ${vref}`);
    };

    const marshal = makeMarshal(convertValToSlot, convertSlotToVal);

    // encodeSettlement encodes a promise's outcome, hardening it first as
    // SwingSet does; a value that cannot pass becomes a rejection saying
    // why. what names the promise for that message.
    const encodeSettlement = (rejected, value, what) => {
      try {
        return { rejected, data: marshal.toCapData(harden(value)) };
      } catch (e) {
        const problem = rejected ? 'failed with a non-passable reason' : 'returned a non-passable value';
        const err = harden(TypeError(`${what} ${problem}: ${e.message}`));
        return { rejected: true, data: marshal.toCapData(err) };
      }
    };

    // resolve makes the resolve syscall for a promise this vat decides.
    const resolve = (vref, rejected, value, what) => {
      const settlement = encodeSettlement(rejected, value, what);
      forget(vref);
      host.resolve(vref, settlement.rejected, settlement.data.body, settlement.data.slots);
    };
    resolveLocal = (vref, rejected, value) => resolve(vref, rejected, value, `promise ${vref}`);

    // cycleError says why a decided promise never settles, or returns
    // undefined if it is not caught in a cycle of promises: following what
    // each promise was resolved to leads back to one already met.
    const nameOf = p => {
      const vref = valToSlot.get(p);
      return vref === undefined ? 'another promise' : vref;
    };
    const cycleError = (vref, promise) => {
      const met = new Set();
      let p = promise;
      while (p !== undefined && !met.has(p)) {
        met.add(p);
        p = promiseLink(p);
      }
      if (p === undefined) return undefined;
      const next = nameOf(promiseLink(promise));
      return p === promise
        ? `promise ${vref} was resolved to ${next}, which resolves back to it: a cycle of promises never settles`
        : `promise ${vref} was resolved to ${next}, which is caught in a cycle of promises that never settles`;
    };

    // rejectCycles rejects, through resolve syscalls, the decided promises
    // caught in a cycle: JavaScript leaves them pending forever, and so
    // would everyone outside the vat waiting for them. The vat's own
    // promise objects stay pending, as JavaScript has them.
    const rejectCycles = () => {
      if (!cycleCheckDue) return;
      cycleCheckDue = false;
      const doomed = [];
      for (const [vref, promise] of decided) {
        const message = cycleError(vref, promise);
        if (message !== undefined) doomed.push([vref, message]);
      }
      for (const [vref, message] of doomed) {
        resolve(vref, true, Error(message), `promise ${vref}`);
      }
    };

    return {
      slotToVal,
      valToSlot,
      kernelDecided,
      resolvedTo,
      marshal,
      register,
      registerDecided,
      rejectCycles,
      isPresenceVref,
      vrefOfPresence,
      allocatePromiseVref,
      makeKernelPromise,
      settleKernelPromise,
      resolve,
      lookup,
      setReanimator: fn => {
        reanimate = fn;
      },
      // counters are what endCrank saves; restoreCounters what startVat
      // reads back.
      takeDirtyCounters: () => {
        if (!countersDirty) return undefined;
        countersDirty = false;
        return { exportID: nextExportID, promiseID: nextPromiseID };
      },
      restoreCounters: ({ exportID, promiseID }) => {
        nextExportID = exportID;
        nextPromiseID = promiseID;
      },
    };
  };

  lib.makeVrefs = makeVrefs;
});
