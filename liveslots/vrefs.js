// vrefs.js keeps the vat's vref tables: which presence, export or promise
// each vref names, which promises the kernel still has to settle, and the
// counters the vat allocates o+N and p+N from. Marshalling through these
// tables imports (presences, subscribed promises) and exports (o+N, p+N)
// as a side effect, following SwingSet's rules.
//
// Garbage collection follows SwingSet's liveslots too. Objects are named
// through the host's weak table (weak.go), which keeps none alive: a
// presence lives as long as vat code holds it, an exported object as long
// as vat code or the kernel does (exported, below, holds it until the
// kernel's dropExports). At bringOutYourDead the host collects garbage and
// names the vrefs whose objects went: a presence becomes dropImports and,
// once nothing here can recognize it, retireImports; an export the kernel
// could still recognize becomes retireExports. Only then do syscalls depend
// on garbage collection, and vat code never sees any of it.
(function vrefsModule(lib) {
  'use strict';

  const { harden, inspect, registerRemotable, isPromise, makeMarshal, promiseLink, onPromiseLink } = lib;
  const { freeze, defineProperty } = Object;

  const noop = () => {};

  const isPresenceVref = vref => vref.charCodeAt(0) === 111 && vref.charCodeAt(1) === 45; // "o-"
  const isExportVref = vref => vref.charCodeAt(0) === 111 && vref.charCodeAt(1) === 43; // "o+"
  // A remotable (o+N, a heap object) has no life beyond its JS object,
  // unlike a virtual or durable object (o+vK/N, o+dK/N, see vom.js).
  const isRemotableVref = vref => isExportVref(vref) && vref.charCodeAt(2) >= 48 && vref.charCodeAt(2) <= 57;
  const isPromiseVref = vref => vref.charCodeAt(0) === 112; // "p"

  // makeVrefs(host) returns the tables of one vat; host is the Go side.
  const makeVrefs = host => {
    // valToSlot names every object and promise the kernel knows by its
    // vref; it is weak, so naming keeps nothing alive.
    const valToSlot = new WeakMap();
    // promises: the promises the kernel knows (kernel-decided, or decided
    // here), held until they settle; objects are in the host's weak table.
    const promises = new Map();
    // exported: o+N -> object the kernel can reach, held until dropExports.
    // kernelRecognizable: o+N the kernel may still name (until it retires
    // them or they are collected and retired from here).
    const exported = new Map();
    const kernelRecognizable = new Set();
    // The root object (o+0) is never dropped.
    let root;
    // kernelDecided: promises someone else decides (imported p-N, results
    // of our sends p+N) with their resolvers, until the kernel notifies.
    const kernelDecided = new Map();
    // settledByKernel: kernel-decided promises that were settled, so E()
    // on one can go straight to its value (e.g. a presence) without a
    // turn. The value is read from the promise itself (settledTo): a
    // WeakMap from promise to value would keep the value alive after the
    // promise is gone, until goja's cleanup of the entry ran, and so hold
    // presences past the collection that should drop them.
    const settledByKernel = new WeakSet();
    const settledTo = promise => {
      if (!settledByKernel.has(promise)) return undefined;
      const settlement = host.promiseSettlement(promise);
      if (settlement !== undefined) return settlement;
      // Resolved to another promise, which it follows.
      const next = promiseLink(promise);
      return next === undefined ? undefined : { rejected: false, value: next };
    };
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

    // valForSlot is the object or promise vref names here, or undefined.
    const valForSlot = vref => (isPromiseVref(vref) ? promises.get(vref) : host.weakGet(vref));

    const register = (vref, val) => {
      if (isPromiseVref(vref)) promises.set(vref, val);
      else host.weakSet(vref, val);
      valToSlot.set(val, vref);
    };
    // forget retires a promise's vref once it settled.
    const forget = vref => {
      const val = promises.get(vref);
      promises.delete(vref);
      decided.delete(vref);
      if (val !== undefined) valToSlot.delete(val);
    };

    // retainExport: the kernel can reach (and recognize) o+N from now on,
    // until it says otherwise.
    const retainExport = (vref, val) => {
      exported.set(vref, val);
      kernelRecognizable.add(vref);
    };
    const registerRoot = val => {
      root = val;
      register('o+0', val);
      retainExport('o+0', val);
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
      settledByKernel.add(kit.promise);
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
        retainExport(vref, val);
      }
      return vref;
    };

    // convertValToSlot names val for the kernel; an object of this vat
    // sent again is reachable by the kernel again.
    const convertValToSlot = val => {
      const vref = valToSlot.get(val);
      if (vref === undefined) return exportValue(val);
      if (isExportVref(vref) && !exported.has(vref)) retainExport(vref, val);
      return vref;
    };

    // lookup gives what a vref names: a known value, else an object of
    // the vat's durable or virtual kinds or stores (see vom.js), made
    // again from the vatstore by the reanimator.
    let reanimate = () => undefined;
    const lookup = vref => {
      const known = valForSlot(vref);
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
    // An error that leaves the vat is logged with its stack, at debug, as
    // SwingSet's liveslots logs it: the receiver sees only name and message.
    const resolve = (vref, rejected, value, what) => {
      if (rejected && value instanceof Error) host.log('debug', '', `${what} rejected: ${lib.stackText(value)}`);
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

    // Garbage collection. recognizers: o-N -> how many weak collections of
    // vat code have it as a key (weakcollections.js); while any does, the
    // vat still recognizes it after dropping it. possiblyRetired: o-N that
    // may have become unrecognizable since the last bringOutYourDead.
    const recognizers = new Map();
    const possiblyRetired = new Set();

    // The vdata pillar: presences named in the vatstore (baggage, the
    // state of virtual and durable objects, big stores) stay reachable
    // while they are there, with or without a presence in memory, as
    // SwingSet's vom.rc counts do. vdataRefs: o-N -> how many vatstore
    // entries name it; keyRefs: vatstore key -> the o-N its key and value
    // name. A vref whose count falls to 0 may be dead: possiblyDead.
    const vdataRefs = new Map();
    const keyRefs = new Map();
    const possiblyDead = new Set();
    // presencesIn lists the presence vrefs a vatstore entry names: in the
    // slots of the CapData of baggage, object state (vom.o+...) and big
    // store entries (vc.<id>....), and at the end of a big store's key for
    // a remotable (vc.<id>.r<ordinal>:o-N). Other entries (kind
    // descriptors, counters) name no presence.
    const keyPresence = /^vc\.[0-9]+\.r[0-9]+:(o-[0-9]+)$/;
    const holdsCapData = key =>
      key.startsWith('baggage.') || key.startsWith('vom.o+') || (key.startsWith('vc.') && !key.includes('.|'));
    // Only the slots arrays are read (indexOf is native, a regex over a
    // large body is not): '"slots":[' cannot occur inside a body, whose
    // quotes are escaped.
    const slotsMark = '"slots":[';
    const presencesIn = (key, value) => {
      if (!holdsCapData(key)) return undefined;
      const found = new Set();
      const k = keyPresence.exec(key);
      if (k !== null) found.add(k[1]);
      for (let at = value.indexOf(slotsMark); at >= 0; at = value.indexOf(slotsMark, at + 1)) {
        const start = at + slotsMark.length;
        const end = value.indexOf(']', start);
        if (end < 0) break;
        for (const slot of value.slice(start, end).split(',')) {
          if (slot.startsWith('"o-')) found.add(slot.slice(1, -1));
        }
      }
      return found.size === 0 ? undefined : [...found];
    };
    // countVdata records what entry key now names (read from its value,
    // or given as known) and answers it.
    const countVdata = (key, value, known) => {
      const old = keyRefs.get(key);
      const now = known !== undefined ? known : value === undefined ? undefined : presencesIn(key, value);
      if (old === undefined && now === undefined) return undefined;
      if (now === undefined) keyRefs.delete(key);
      else keyRefs.set(key, now);
      if (now !== undefined) {
        for (const vref of now) vdataRefs.set(vref, (vdataRefs.get(vref) || 0) + 1);
      }
      if (old !== undefined) {
        for (const vref of old) {
          const n = vdataRefs.get(vref) - 1;
          if (n > 0) {
            vdataRefs.set(vref, n);
          } else {
            vdataRefs.delete(vref);
            possiblyDead.add(vref);
          }
        }
      }
      return now;
    };
    // The counts are rebuilt at start from an index the vat keeps in its
    // own vatstore: vom.pi.<key> lists the presences entry <key> names, for
    // the entries that name any. Start-up reads the index, not every entry
    // (a big store may hold millions that name none). A vatstore from
    // before the index is read whole once and indexed.
    const indexPrefix = 'vom.pi.';
    const indexedMark = 'vom.pindexed';
    const readPages = function* (store, prefix) {
      let after = '';
      for (;;) {
        const { entries, more } = store.vatstoreNextEntries(prefix, after, 1000);
        for (const entry of entries) {
          after = entry[0];
          yield entry;
        }
        if (!more || entries.length === 0) return;
      }
    };
    const setIndex = (store, key, old, now) => {
      const was = old === undefined ? '' : old.join(',');
      const is = now === undefined ? '' : now.join(',');
      if (was === is) return;
      if (is === '') store.vatstoreDelete(indexPrefix + key);
      else store.vatstoreSet(indexPrefix + key, is);
    };
    // trackVatstore counts the presences of a vat's vatstore and returns
    // the syscalls its later writes go through, which keep the index. A
    // new vat's vatstore is empty, so indexed; it is marked so with its
    // first write of an entry that could name a presence (other entries
    // need no index).
    const trackVatstore = store => {
      let marked = store.vatstoreGet(indexedMark) !== undefined;
      if (marked) {
        for (const [key, list] of readPages(store, indexPrefix)) {
          countVdata(key.slice(indexPrefix.length), undefined, list.split(','));
        }
      } else {
        for (const [key, value] of readPages(store, '')) {
          setIndex(store, key, undefined, countVdata(key, value));
          marked = true;
        }
        if (marked) store.vatstoreSet(indexedMark, '1');
      }
      const write = (key, value) => {
        if (!marked && holdsCapData(key)) {
          marked = true;
          store.vatstoreSet(indexedMark, '1');
        }
        const old = keyRefs.get(key);
        setIndex(store, key, old, countVdata(key, value));
      };
      return {
        vatstoreSet: (key, value) => {
          write(key, value);
          store.vatstoreSet(key, value);
        },
        vatstoreDelete: key => {
          write(key, undefined);
          store.vatstoreDelete(key);
        },
      };
    };

    const checkVrefs = (what, vrefList, wanted, want) => {
      for (const vref of vrefList) {
        if (typeof vref !== 'string' || !wanted(vref)) {
          throw TypeError(`${what}: ${inspect(vref)} is not ${want}`);
        }
      }
    };

    // dropExports: the kernel can no longer reach these o+N. Each now lives
    // only as long as vat code holds it (the root always does).
    const dropExports = vrefList => {
      checkVrefs('dropExports', vrefList, isExportVref, 'an object of this vat (o+N)');
      for (const vref of vrefList) exported.delete(vref);
    };

    // retireExports: the kernel no longer recognizes these o+N either; one
    // vat code still holds is named o+N again if it is sent again.
    const retireExports = vrefList => {
      checkVrefs('retireExports', vrefList, isExportVref, 'an object of this vat (o+N)');
      for (const vref of vrefList) {
        exported.delete(vref);
        kernelRecognizable.delete(vref);
      }
    };

    // retireImports: the exporter retired these o-N, so they can never
    // come back: weak collections forget them.
    let ceaseRecognition = noop;
    let collectionGone = noop;
    const retireImports = vrefList => {
      checkVrefs('retireImports', vrefList, isPresenceVref, 'an import (o-N)');
      for (const vref of vrefList) {
        ceaseRecognition(vref);
        recognizers.delete(vref);
        possiblyRetired.delete(vref);
      }
    };

    const addRecognizer = vref => {
      recognizers.set(vref, (recognizers.get(vref) || 0) + 1);
    };
    const removeRecognizer = vref => {
      const n = recognizers.get(vref);
      if (n === undefined) return;
      if (n > 1) {
        recognizers.set(vref, n - 1);
        return;
      }
      recognizers.delete(vref);
      possiblyRetired.add(vref);
    };

    // bringOutYourDead makes the syscalls for what was collected: the
    // host runs a full collection and names the vrefs whose objects went,
    // sorted, so the same heap gives the same syscalls. A presence gone is
    // dropped; it is retired too unless a weak collection still recognizes
    // it. A remotable gone is retired if the kernel could still recognize
    // it (it could not reach it: exported held it until dropExports).
    const bringOutYourDead = () => {
      const exportsToRetire = [];
      for (const vref of host.collectGarbage()) {
        if (vref.charCodeAt(0) === 119) {
          // "w<N>": a weak collection of vat code (weakcollections.js).
          collectionGone(vref);
        } else if (isPresenceVref(vref)) {
          possiblyDead.add(vref);
        } else if (isRemotableVref(vref) && kernelRecognizable.delete(vref)) {
          exportsToRetire.push(vref);
        }
        // A virtual or durable object's representative going is not the
        // object going: lookup makes it again from the vatstore.
      }
      // A presence is dropped once neither memory (the table) nor the
      // vatstore holds it.
      const drops = [];
      for (const vref of [...possiblyDead].sort()) {
        if (!host.weakHas(vref) && !vdataRefs.has(vref)) {
          drops.push(vref);
          possiblyRetired.add(vref);
        }
      }
      possiblyDead.clear();
      const importsToRetire = [];
      for (const vref of [...possiblyRetired].sort()) {
        // An entry still in the table is a presence vat code may hold (or
        // one collected since the collection above, not dropped yet).
        if (!host.weakHas(vref) && !vdataRefs.has(vref) && !recognizers.has(vref)) {
          importsToRetire.push(vref);
        }
      }
      possiblyRetired.clear();
      if (drops.length > 0) host.dropImports(drops);
      if (importsToRetire.length > 0) host.retireImports(importsToRetire);
      if (exportsToRetire.length > 0) host.retireExports(exportsToRetire);
    };

    // sizes counts the entries of each table, for tests that check they
    // stay bounded.
    const sizes = () => ({
      objects: host.weakSize(),
      promises: promises.size,
      exported: exported.size,
      kernelRecognizable: kernelRecognizable.size,
      kernelDecided: kernelDecided.size,
      decided: decided.size,
      recognizers: recognizers.size,
      vdata: vdataRefs.size,
    });

    return {
      valForSlot,
      valToSlot,
      register,
      kernelDecided,
      settledTo,
      marshal,
      registerRoot,
      registerDecided,
      dropExports,
      retireExports,
      retireImports,
      bringOutYourDead,
      trackVatstore,
      addRecognizer,
      removeRecognizer,
      onCeaseRecognition: fn => {
        ceaseRecognition = fn;
      },
      onCollectionGone: fn => {
        collectionGone = fn;
      },
      sizes,
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
