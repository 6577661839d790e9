// A bundle-shaped test vat for garbage collection: it keeps or forgets the
// presences it is given and the objects it exports.
var __ocapVat = (() => {
  const { E } = __ocap_require('@endo/eventual-send');
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils/exo');

  function buildRootObject(vatPowers, parameters, baggage) {
    const bigStore = vatPowers.VatData.makeScalarBigMapStore('big');
    const kept = new Map();
    let weakKept = new WeakMap();
    const weakSeen = new WeakSet();
    const makeThing = name =>
      makeDefaultExo('thing', {
        name() {
          return name;
        },
      });
    const root = makeDefaultExo('root', {
      // look sees a presence and keeps nothing.
      look(p) {
        return typeof p;
      },
      keep(name, x) {
        kept.set(name, x);
      },
      forget(name) {
        kept.delete(name);
      },
      isKept(name, x) {
        return kept.get(name) === x;
      },
      // weakKeep keeps x only as a weak map key.
      weakKeep(x, value) {
        weakKept.set(x, value);
      },
      weakGet(x) {
        return weakKept.get(x);
      },
      weakForget(x) {
        return weakKept.delete(x);
      },
      // newWeakMap lets go of the weak map, and of what it recognized.
      newWeakMap() {
        weakKept = new WeakMap();
      },
      weakSee(x) {
        weakSeen.add(x);
      },
      weakSeen(x) {
        return weakSeen.has(x);
      },
      // weakBasics: the weak collections act as the intrinsics do for
      // keys of this vat.
      weakBasics() {
        const k = {};
        const other = harden({});
        const wm = new WeakMap([[k, 1]]);
        const ws = new WeakSet([k]);
        let refused = '';
        try {
          wm.set(1, 2);
        } catch (e) {
          refused = e.name;
        }
        return [
          wm.get(k), wm.has(k), wm.has(other), wm.delete(k), wm.has(k),
          ws.has(k), ws.has(other), ws.delete(k), ws.has(k),
          Object.prototype.toString.call(wm), Object.prototype.toString.call(ws),
          wm instanceof WeakMap, typeof WeakRef, typeof FinalizationRegistry, refused,
        ];
      },
      // makeThing exports a fresh object the vat itself does not keep.
      makeThing(name) {
        return makeThing(name);
      },
      // keepThing exports a fresh object the vat also keeps.
      keepThing(name) {
        const thing = makeThing(name);
        kept.set(name, thing);
        return thing;
      },
      kept(name) {
        return kept.get(name);
      },
      // Baggage and big stores hold presences in the vatstore.
      stash(name, x) {
        baggage.init(name, x);
      },
      unstash(name) {
        baggage.delete(name);
      },
      store(name, x) {
        bigStore.init(name, x);
      },
      unstore(name) {
        bigStore.delete(name);
      },
      storeKey(x) {
        bigStore.init(x, 1);
      },
      unstoreKey(x) {
        bigStore.delete(x);
      },
      // ask sends to a presence and keeps nothing but the answer's promise
      // until it settles.
      ask(p, method) {
        return E(p)[method]();
      },
      passOn(target, x) {
        return E(target).take(x);
      },
    });
    return root;
  }
  return { buildRootObject };
})();
