// vom.js is the virtual object manager: kinds whose instances keep their
// state in the vatstore rather than in the heap. A durable kind's objects
// outlive the vat's incarnation: each new incarnation redefines the kind
// (through its kind handle, kept in baggage) to give them behaviour again,
// and the kernel keeps their krefs. Virtual kinds last one incarnation.
//
// Vrefs, as in SwingSet: a durable object is o+d<kindID>/<n>, a virtual one
// o+v<kindID>/<n>, a facet of a multi-facet object <baseRef>:<i> (facets in
// name order), a kind handle o+d1/<kindID>. Vatstore keys:
//
//	vom.nextKindID        next kind id (ids below 10 are liveslots' own)
//	vom.dkind.<kindID>    a durable kind (JSON {tag, nextID, facets?, unfaceted?})
//	vom.<baseRef>         an object's state (JSON {prop: CapData})
(function vomModule(lib) {
  'use strict';

  // The intrinsics, taken before vat code's WeakMap and WeakSet replace
  // them (weakcollections.js).
  const { WeakMap, WeakSet } = globalThis;

  const { harden, inspect, registerRemotable } = lib;
  const { defineProperty, freeze, keys: objectKeys } = Object;
  const { stringify, parse } = JSON;

  const kindHandleKindID = 1;
  const firstKindID = 10;

  // parseVref splits a virtual or durable object's vref; undefined for
  // any other vref.
  const vrefPattern = /^o\+([dv])(\d+)\/(\d+)(?::(\d+))?$/;
  const parseVirtualVref = vref => {
    const m = vrefPattern.exec(vref);
    if (m === null) return undefined;
    return {
      durable: m[1] === 'd',
      kindID: Number(m[2]),
      id: m[3],
      baseRef: `o+${m[1]}${m[2]}/${m[3]}`,
      facet: m[4] === undefined ? undefined : Number(m[4]),
    };
  };
  const isDurableVref = vref => vref.startsWith('o-') || vref.startsWith('o+d');

  // makeVirtualObjectManager: vatstore from baggage.js; vrefs the tables of
  // vrefs.js (register, valToSlot, marshal); checkDurable and
  // checkPassable are storable checks (makeStorableChecker) for durable
  // and for virtual state.
  const makeVirtualObjectManager = ({ vatstore, vrefs, checkDurable, checkVirtual }) => {
    const { marshal } = vrefs;
    const { prepareExoFacet, makeExoFacet } = lib;

    const readJSON = key => {
      const s = vatstore.get(key);
      return s === undefined ? undefined : parse(s);
    };
    const writeJSON = (key, value) => vatstore.set(key, stringify(value));

    let nextKindID;
    const allocateKindID = () => {
      if (nextKindID === undefined) nextKindID = readJSON('vom.nextKindID') || firstKindID;
      const id = nextKindID;
      nextKindID += 1;
      writeJSON('vom.nextKindID', nextKindID);
      return id;
    };

    // ---- kind handles ----

    const handleToID = new WeakMap();
    const idToHandle = new Map();
    const makeHandle = (kindID, tag) => {
      const handle = {};
      defineProperty(handle, Symbol.toStringTag, { value: 'Alleged: kind handle' });
      registerRemotable(handle, 'Alleged: kind handle');
      harden(handle);
      handleToID.set(handle, kindID);
      idToHandle.set(kindID, handle);
      vrefs.register(`o+d${kindHandleKindID}/${kindID}`, handle);
      return handle;
    };
    const descriptorKey = kindID => `vom.dkind.${kindID}`;

    const makeKindHandle = tag => {
      if (typeof tag !== 'string') throw TypeError(`makeKindHandle: the tag must be a string, got ${inspect(tag)}`);
      const kindID = allocateKindID();
      writeJSON(descriptorKey(kindID), { tag, nextID: 1 });
      return makeHandle(kindID, tag);
    };

    // ---- kinds ----

    // kinds: kindID -> {durable, tag, facetNames (undefined: one facet),
    // parts (per facet, from exo.js), init, finish, stateShape, nextID}.
    const kinds = new Map();
    // Representatives by baseRef: one facet, or the array of facets.
    const reps = new Map();
    // State records by baseRef: {raw: {prop: CapData}, values: Map}.
    const records = new Map();

    const record = baseRef => {
      let rec = records.get(baseRef);
      if (rec === undefined) {
        const raw = readJSON(`vom.${baseRef}`);
        if (raw === undefined) return undefined;
        rec = { raw, values: new Map() };
        records.set(baseRef, rec);
      }
      return rec;
    };

    const encodeProp = (kind, baseRef, name, value) => {
      harden(value);
      const where = `${kind.tag} state property ${stringify(name)}`;
      if (kind.stateShape !== undefined && kind.stateShape[name] !== undefined) {
        lib.getPatternKit().patternKit.mustMatch(value, kind.stateShape[name], where);
      }
      (kind.durable ? checkDurable : checkVirtual)(where, value);
      return marshal.toCapData(value);
    };

    const makeState = (kind, baseRef, names) => {
      const state = {};
      for (const name of names) {
        defineProperty(state, name, {
          enumerable: true,
          get: () => {
            const rec = record(baseRef);
            if (rec.values.has(name)) return rec.values.get(name);
            const { body, slots } = rec.raw[name];
            const value = marshal.fromCapData(body, slots);
            rec.values.set(name, value);
            return value;
          },
          set: value => {
            const rec = record(baseRef);
            rec.raw[name] = encodeProp(kind, baseRef, name, value);
            rec.values.set(name, value);
            writeJSON(`vom.${baseRef}`, rec.raw);
          },
        });
      }
      return harden(state);
    };

    // represent makes the facets of the object at baseRef and registers
    // their vrefs; it answers the facet record of a multi-facet kind.
    const represent = (kind, baseRef) => {
      const state = makeState(kind, baseRef, objectKeys(record(baseRef).raw));
      let made;
      let context;
      if (kind.facetNames === undefined) {
        context = { state, self: undefined };
        made = makeExoFacet(kind.parts[0], context);
        context.self = made;
        freeze(context);
        vrefs.register(baseRef, made);
        reps.set(baseRef, made);
      } else {
        context = { state, facets: undefined };
        const facets = {};
        const list = [];
        kind.facetNames.forEach((name, i) => {
          const facet = makeExoFacet(kind.parts[i], context);
          facets[name] = facet;
          list.push(facet);
          vrefs.register(`${baseRef}:${i}`, facet);
        });
        made = harden(facets);
        context.facets = made;
        freeze(context);
        reps.set(baseRef, list);
      }
      return { made, context };
    };

    const allocateID = kind => {
      const id = kind.nextID;
      kind.nextID += 1;
      if (kind.durable) {
        const desc = readJSON(descriptorKey(kind.kindID));
        desc.nextID = kind.nextID;
        writeJSON(descriptorKey(kind.kindID), desc);
      }
      return id;
    };

    const makeMaker = kind => (...args) => {
      const initial = kind.init(...args);
      if (initial === null || typeof initial !== 'object') {
        throw TypeError(`${kind.tag}: init must return a record, got ${inspect(initial)}`);
      }
      const id = allocateID(kind);
      const baseRef = `o+${kind.durable ? 'd' : 'v'}${kind.kindID}/${id}`;
      const raw = {};
      for (const name of objectKeys(initial)) raw[name] = encodeProp(kind, baseRef, name, initial[name]);
      if (kind.stateShape !== undefined) {
        for (const name of objectKeys(kind.stateShape)) {
          if (!(name in raw)) throw TypeError(`${kind.tag}: init's state lacks ${stringify(name)}, which stateShape requires`);
        }
      }
      records.set(baseRef, { raw, values: new Map() });
      writeJSON(`vom.${baseRef}`, raw);
      const { made, context } = represent(kind, baseRef);
      if (kind.finish !== undefined) kind.finish(context);
      return made;
    };

    // thisful turns a defineKind behavior method (context, ...args) into
    // an exo method reading its context from `this`.
    const thisful = behavior => {
      const methods = {};
      for (const name of Reflect.ownKeys(behavior)) {
        const fn = behavior[name];
        if (typeof fn !== 'function') {
          throw TypeError(`property ${String(name)} of the behavior is not a function`);
        }
        methods[name] = function method(...args) {
          return fn(this, ...args);
        };
      }
      return methods;
    };

    const checkOptions = (what, options) => {
      const { finish, thisfulMethods = false, interfaceGuard, interfaceGuardKit, stateShape } = options || {};
      if (finish !== undefined && typeof finish !== 'function') {
        throw TypeError(`${what}: options.finish must be a function`);
      }
      return { finish, thisfulMethods, interfaceGuard, interfaceGuardKit, stateShape };
    };

    // define makes a kind's record; behavior is one method record, or (for
    // multi) a record of them by facet name.
    const define = (what, kindID, tag, durable, multi, init, behavior, options) => {
      if (typeof init !== 'function') throw TypeError(`${what}: init must be a function`);
      if (behavior === null || typeof behavior !== 'object') {
        throw TypeError(`${what}: the behavior must be a record of ${multi ? 'facets' : 'methods'}`);
      }
      const { finish, thisfulMethods, interfaceGuard, interfaceGuardKit, stateShape } = checkOptions(what, options);
      if (stateShape !== undefined) lib.getPatternKit().patternKit.assertPattern(harden(stateShape));
      const methodsOf = b => (thisfulMethods ? b : thisful(b));
      let facetNames;
      let parts;
      if (multi) {
        facetNames = Reflect.ownKeys(behavior).map(String).sort();
        if (interfaceGuard !== undefined) {
          throw Error(`${what}: use an interfaceGuardKit, not an interfaceGuard, to protect class kit "${tag}"`);
        }
        parts = facetNames.map(name => {
          const guard = interfaceGuardKit === undefined ? undefined : interfaceGuardKit[name];
          return prepareExoFacet(`${what}("${tag} ${name}")`, `${tag} ${name}`, guard, methodsOf(behavior[name]));
        });
      } else {
        if (interfaceGuardKit !== undefined) {
          throw Error(`${what}: use an interfaceGuard, not an interfaceGuardKit, to protect class "${tag}"`);
        }
        parts = [prepareExoFacet(`${what}("${tag}")`, tag, interfaceGuard, methodsOf(behavior))];
      }
      const kind = { kindID, tag, durable, facetNames, parts, init, finish, stateShape, nextID: 1 };
      kinds.set(kindID, kind);
      return kind;
    };

    const defineVirtual = multi => (tag, init, behavior, options = undefined) => {
      const what = multi ? 'defineKindMulti' : 'defineKind';
      if (typeof tag !== 'string') throw TypeError(`${what}: the tag must be a string, got ${inspect(tag)}`);
      return harden(makeMaker(define(what, allocateKindID(), tag, false, multi, init, behavior, options)));
    };

    const defineDurable = multi => (kindHandle, init, behavior, options = undefined) => {
      const what = multi ? 'defineDurableKindMulti' : 'defineDurableKind';
      const kindID = handleToID.get(kindHandle);
      if (kindID === undefined) throw TypeError(`${what}: unknown kind handle ${inspect(kindHandle)}`);
      const desc = readJSON(descriptorKey(kindID));
      if (kinds.has(kindID)) throw Error(`redefinition of durable kind "${desc.tag}"`);
      const kind = define(what, kindID, desc.tag, true, multi, init, behavior, options);
      if (multi) {
        const before = desc.facets;
        if (desc.unfaceted || (before !== undefined && stringify(before) !== stringify(kind.facetNames))) {
          kinds.delete(kindID);
          throw Error(`${what}: durable kind "${desc.tag}" had facets ${stringify(before || [])}, now ${stringify(kind.facetNames)}: the facets of a durable kind cannot change`);
        }
        desc.facets = kind.facetNames;
      } else {
        if (desc.facets !== undefined) {
          kinds.delete(kindID);
          throw Error(`${what}: durable kind "${desc.tag}" was defined with facets ${stringify(desc.facets)}; use defineDurableKindMulti`);
        }
        desc.unfaceted = true;
      }
      kind.nextID = desc.nextID;
      writeJSON(descriptorKey(kindID), desc);
      return harden(makeMaker(kind));
    };

    // reanimate gives the object of a vref this vat allocated in an
    // earlier incarnation (or crank), or undefined if it is not one of
    // the virtual object manager's.
    const reanimate = vref => {
      const p = parseVirtualVref(vref);
      if (p === undefined) return undefined;
      if (p.kindID === kindHandleKindID) {
        const kindID = Number(p.id);
        if (idToHandle.has(kindID)) return idToHandle.get(kindID);
        const desc = readJSON(descriptorKey(kindID));
        if (desc === undefined || p.facet !== undefined) return undefined;
        return makeHandle(kindID, desc.tag);
      }
      const known = reps.get(p.baseRef);
      if (known !== undefined) return p.facet === undefined ? known : known[p.facet];
      const kind = kinds.get(p.kindID);
      if (kind === undefined) {
        const desc = p.durable ? readJSON(descriptorKey(p.kindID)) : undefined;
        if (desc === undefined) return undefined;
        throw Error(`durable kind "${desc.tag}" (${vref}) is not defined yet in this incarnation`);
      }
      if ((p.facet === undefined) !== (kind.facetNames === undefined) || record(p.baseRef) === undefined) {
        return undefined;
      }
      represent(kind, p.baseRef);
      const made = reps.get(p.baseRef);
      return p.facet === undefined ? made : made[p.facet];
    };

    // undefinedKinds lists the tags of durable kinds defined by an earlier
    // incarnation that this one has not defined again.
    const undefinedKinds = () => {
      const tags = [];
      for (const key of vatstore.keysWithPrefix('vom.dkind.')) {
        const kindID = Number(key.slice('vom.dkind.'.length));
        const desc = readJSON(key);
        if ((desc.unfaceted || desc.facets !== undefined) && !kinds.has(kindID)) tags.push(desc.tag);
      }
      return tags;
    };

    return {
      makeKindHandle: harden(makeKindHandle),
      defineKind: harden(defineVirtual(false)),
      defineKindMulti: harden(defineVirtual(true)),
      defineDurableKind: harden(defineDurable(false)),
      defineDurableKindMulti: harden(defineDurable(true)),
      reanimate,
      undefinedKinds,
      allocateKindID,
    };
  };

  lib.makeVirtualObjectManager = makeVirtualObjectManager;
  lib.parseVirtualVref = parseVirtualVref;
  lib.isDurableVref = isDurableVref;
});
