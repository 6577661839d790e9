// weakcollections.js makes the WeakMap and WeakSet that vat code gets. A
// presence vat code let go of is collected and, received again, is a new
// object: a plain WeakMap keyed by the old one would lose its entry, and
// vat code would see garbage collection. As SwingSet's liveslots does,
// these collections key presences by their vref instead, and tell vrefs.js
// that they still recognize it (so it is dropped, not retired, until the
// exporter retires it or the collection forgets it). Other keys go to an
// intrinsic WeakMap, as they would anyway.
(function weakCollectionsModule(lib) {
  'use strict';

  const { harden } = lib;
  const RealWeakMap = WeakMap;
  const RealWeakSet = WeakSet;
  const { freeze } = Object;

  // makeWeakCollections(vrefs, host) returns { WeakMap, WeakSet } for one
  // vat.
  const makeWeakCollections = (vrefs, host) => {
    const { vrefOfPresence } = vrefs;

    // byID: collection id -> Map vref -> value, the presence-keyed entries
    // of each live collection (a set's values are true). holders: vref ->
    // Set of the ids of the collections that have it as a key.
    const byID = new Map();
    const holders = new Map();
    let nextID = 1;

    const track = (id, vref) => {
      let ids = holders.get(vref);
      if (ids === undefined) {
        ids = new Set();
        holders.set(vref, ids);
      }
      ids.add(id);
      vrefs.addRecognizer(vref);
    };
    const untrack = (id, vref) => {
      const ids = holders.get(vref);
      ids.delete(id);
      if (ids.size === 0) holders.delete(vref);
      vrefs.removeRecognizer(vref);
    };

    // The exporter retired vref: no collection can meet it again.
    vrefs.onCeaseRecognition(vref => {
      const ids = holders.get(vref);
      if (ids === undefined) return;
      holders.delete(vref);
      for (const id of ids) byID.get(id).delete(vref);
    });
    // Vat code let go of a collection: its keys are recognized no more.
    vrefs.onCollectionGone(id => {
      const entries = byID.get(id);
      if (entries === undefined) return;
      byID.delete(id);
      for (const vref of entries.keys()) untrack(id, vref);
    });

    // internals: collection -> { real, entries, id }; nothing in it refers
    // back to the collection, which must stay collectable (it sits in the
    // host's weak table under its id).
    const internals = new RealWeakMap();
    const open = (collection, Real) => {
      const id = `w${nextID}`;
      nextID += 1;
      const entries = new Map();
      byID.set(id, entries);
      internals.set(collection, freeze({ real: new Real(), entries, id }));
      host.weakSet(id, collection);
    };
    const inside = (collection, method) => {
      const i = internals.get(collection);
      if (i === undefined) throw TypeError(`Method ${method} called on incompatible receiver`);
      return i;
    };

    // Shared by both kinds: a presence's entry is under its vref.
    const hasKey = (i, key) => {
      const vref = vrefOfPresence(key);
      return vref === undefined ? i.real.has(key) : i.entries.has(vref);
    };
    const deleteKey = (i, key) => {
      const vref = vrefOfPresence(key);
      if (vref === undefined) return i.real.delete(key);
      if (!i.entries.delete(vref)) return false;
      untrack(i.id, vref);
      return true;
    };

    class VatWeakMap {
      constructor(entries = undefined) {
        open(this, RealWeakMap);
        if (entries !== undefined && entries !== null) {
          for (const [key, value] of entries) this.set(key, value);
        }
      }

      get(key) {
        const i = inside(this, 'WeakMap.prototype.get');
        const vref = vrefOfPresence(key);
        return vref === undefined ? i.real.get(key) : i.entries.get(vref);
      }

      has(key) {
        return hasKey(inside(this, 'WeakMap.prototype.has'), key);
      }

      set(key, value) {
        const i = inside(this, 'WeakMap.prototype.set');
        const vref = vrefOfPresence(key);
        if (vref === undefined) {
          i.real.set(key, value);
        } else {
          if (!i.entries.has(vref)) track(i.id, vref);
          i.entries.set(vref, value);
        }
        return this;
      }

      delete(key) {
        return deleteKey(inside(this, 'WeakMap.prototype.delete'), key);
      }
    }

    class VatWeakSet {
      constructor(values = undefined) {
        open(this, RealWeakSet);
        if (values !== undefined && values !== null) {
          for (const value of values) this.add(value);
        }
      }

      has(value) {
        return hasKey(inside(this, 'WeakSet.prototype.has'), value);
      }

      add(value) {
        const i = inside(this, 'WeakSet.prototype.add');
        const vref = vrefOfPresence(value);
        if (vref === undefined) {
          i.real.add(value);
        } else if (!i.entries.has(vref)) {
          track(i.id, vref);
          i.entries.set(vref, true);
        }
        return this;
      }

      delete(value) {
        return deleteKey(inside(this, 'WeakSet.prototype.delete'), value);
      }
    }

    for (const [C, name] of [[VatWeakMap, 'WeakMap'], [VatWeakSet, 'WeakSet']]) {
      Object.defineProperty(C, 'name', { value: name });
      Object.defineProperty(C.prototype, Symbol.toStringTag, { value: name });
    }
    return harden({ WeakMap: VatWeakMap, WeakSet: VatWeakSet });
  };

  lib.makeWeakCollections = makeWeakCollections;
});
