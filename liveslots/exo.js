// exo.js makes local remotables: makeDefaultExo (the kernel's usual way),
// @endo/exo's makeExo, defineExoClass and defineExoClassKit, and
// @endo/far's Far/Remotable. Exo methods run with `this` bound to their
// context ({state, self}, or {state, facets} in a kit) and are defended by
// the exo's interface guard as endo defends them: arguments are hardened
// and matched against the method guard (M.call, M.callWhen with M.await,
// optional and rest guards, M.raw), the result against its return guard;
// a method the guard does not name gets the interface's defaultGuards
// ('passable': passable arguments and result; 'raw': nothing checked).
// Failures name the method: `In "incr" method of (Counter): arg 0: ...`.
(function exoModule(lib) {
  'use strict';

  const { harden, inspect, remotables, registerRemotable, passStyleOf, isPromise } = lib;
  // Patterns are only loaded by exos that have a guard (see patterns.js).
  const patternKit = () => lib.getPatternKit().patternKit;
  const { isFrozen, getOwnPropertyDescriptor, defineProperty, seal, freeze } = Object;
  const { ownKeys, apply } = Reflect;
  const { stringify } = JSON;

  // The name of the method every guarded exo answers with its guard.
  const GET_INTERFACE_GUARD = '__getInterfaceGuard__';

  const checkName = (what, name) => {
    if (typeof name !== 'string') {
      throw TypeError(`${what}: the name must be a string, got ${inspect(name)}`);
    }
  };

  const quoteKey = key => (typeof key === 'symbol' ? `"[${String(key)}]"` : stringify(key));

  // ---- defending one method ----

  const needsCheck = x => {
    const t = typeof x;
    return (t === 'object' && x !== null) || t === 'function' || t === 'symbol';
  };

  // relabel puts label in front of an error's message, keeping its kind.
  const relabel = (e, label) => {
    const message = `${label}: ${e instanceof Error ? e.message : inspect(e)}`;
    if (e instanceof TypeError) return TypeError(message);
    if (e instanceof RangeError) return RangeError(message);
    return Error(message);
  };

  // checkPassable hardens x and checks that it may pass; primitives other
  // than symbols always may, so callers skip them.
  const checkPassable = (x, label) => {
    if (remotables.has(x)) return;
    if (isPromise(x)) {
      // A promise has nothing to walk: freezing it is hardening it.
      freeze(x);
      return;
    }
    try {
      passStyleOf(harden(x));
    } catch (e) {
      throw relabel(e, label);
    }
  };

  // resultChecker(returnGuard, label) checks a method's result.
  const resultChecker = (returnGuard, label) => {
    const { problem, isAnyPatt } = patternKit();
    const any = isAnyPatt(returnGuard);
    return result => {
      if (needsCheck(result)) checkPassable(result, label);
      if (any) return;
      const found = problem(result, returnGuard);
      if (found !== undefined) throw Error(`${label}: ${found}`);
    };
  };

  // The default guards. Passable: every argument and the result must be
  // passable (checked only for objects, functions and symbols). This is
  // what a plain makeDefaultExo method costs per call, so its method is
  // made directly rather than through an invoker.
  const passableMethod = (behavior, label) => {
    const resultLabel = `${label}: result`;
    // needsCheck is written out here: a call less per argument.
    return context => (...args) => {
      if (delivering !== undefined) return takeDelivery(context);
      for (let i = 0; i < args.length; i += 1) {
        const a = args[i];
        const t = typeof a;
        if ((t === 'object' && a !== null) || t === 'function' || t === 'symbol') checkPassable(a, label);
      }
      const result = apply(behavior, context, args);
      const t = typeof result;
      if ((t === 'object' && result !== null) || t === 'function' || t === 'symbol') {
        checkPassable(result, resultLabel);
      }
      return result;
    };
  };
  // passableDelivery is passableMethod for arguments known to be passable.
  const passableDelivery = (behavior, label) => {
    const resultLabel = `${label}: result`;
    return (context, args) => {
      const result = apply(behavior, context, args);
      const t = typeof result;
      if ((t === 'object' && result !== null) || t === 'function' || t === 'symbol') {
        checkPassable(result, resultLabel);
      }
      return result;
    };
  };
  const rawInvoker = behavior => (context, args) => apply(behavior, context, args);

  // viaInvoker makes methods that call invoke(context, args).
  const viaInvoker = invoke => context => (...args) =>
    delivering !== undefined ? takeDelivery(context) : invoke(context, args);

  // argChecker(payload, label) returns a function that checks (and
  // hardens) an argument list against a method guard's argument guards.
  const argChecker = (payload, label) => {
    const { problem, show, isRawGuard, isAnyPatt } = patternKit();
    const { argGuards, optionalArgGuards = [], restArgGuard } = payload;
    const guards = [...argGuards, ...optionalArgGuards];
    const nRequired = argGuards.length;
    const declared = guards.length;
    const rawAt = guards.map(g => isRawGuard(g));
    const rawRest = restArgGuard !== undefined && isRawGuard(restArgGuard);
    const anyRest = restArgGuard !== undefined && isAnyPatt(restArgGuard);
    return args => {
      const n = args.length;
      for (let i = 0; i < n; i += 1) {
        const raw = i < declared ? rawAt[i] : rawRest;
        if (!raw && needsCheck(args[i])) checkPassable(args[i], label);
      }
      if (n < nRequired) {
        throw Error(`${label}: Expected at least ${nRequired} arguments: ${show(harden(args))}`);
      }
      for (let i = 0; i < declared && i < n; i += 1) {
        if (rawAt[i] || (i >= nRequired && args[i] === undefined)) continue;
        const found = problem(args[i], guards[i]);
        if (found !== undefined) {
          throw Error(`${label}: arg ${i}${i >= nRequired ? '?' : ''}: ${found}`);
        }
      }
      if (n > declared) {
        if (restArgGuard === undefined) {
          throw Error(`${stringify(label)} accepts at most ${declared} arguments, not ${n}: ${show(harden(args))}`);
        }
        if (!rawRest && !anyRest) {
          const found = problem(harden(args.slice(declared)), restArgGuard);
          if (found !== undefined) throw Error(`${label}: ...rest: ${found}`);
        }
      }
    };
  };

  const syncInvoker = (behavior, payload, label) => {
    const checkArgs = argChecker(payload, label);
    const { returnGuard } = payload;
    const checkResult = patternKit().isRawGuard(returnGuard)
      ? undefined
      : resultChecker(returnGuard, `${label}: result`);
    return (context, args) => {
      checkArgs(args);
      const result = apply(behavior, context, args);
      if (checkResult !== undefined) checkResult(result);
      return result;
    };
  };

  // callWhen: always answers a promise. Arguments guarded by M.await are
  // awaited first; then the arguments are checked, the method runs, and
  // its awaited result is checked.
  const asyncInvoker = (behavior, payload, label) => {
    const { isRawGuard, isAwaitArgGuard } = patternKit();
    const { argGuards, optionalArgGuards = [], returnGuard } = payload;
    const awaitIndexes = [];
    const unwrap = (g, i) => {
      if (!isAwaitArgGuard(g)) return g;
      awaitIndexes.push(i);
      return g.payload.argGuard;
    };
    const plain = argGuards.map((g, i) => unwrap(g, i));
    const plainOptional = optionalArgGuards.map((g, i) => unwrap(g, argGuards.length + i));
    const checkArgs = argChecker(
      { ...payload, argGuards: plain, optionalArgGuards: plainOptional },
      label,
    );
    const checkResult = isRawGuard(returnGuard)
      ? undefined
      : resultChecker(returnGuard, `${label}: result`);
    return (context, args) => {
      const awaited = [];
      for (let j = 0; j < awaitIndexes.length && awaitIndexes[j] < args.length; j += 1) {
        awaited.push(args[awaitIndexes[j]]);
      }
      const realArgs = [...args];
      const resultP = Promise.all(awaited).then(values => {
        for (let j = 0; j < values.length; j += 1) realArgs[awaitIndexes[j]] = values[j];
        checkArgs(realArgs);
        return apply(behavior, context, realArgs);
      });
      if (checkResult === undefined) return resultP;
      return resultP.then(result => {
        checkResult(result);
        return result;
      });
    };
  };

  // methodPair returns, for one method of a class, [make, deliver]:
  // make(context) makes the method for an instance, and deliver(context,
  // args) calls it for a message delivery, whose arguments the vat decoded
  // and so are passable already (see exoDelivery).
  const methodPair = (behavior, methodGuard, defaultGuards, label) => {
    if (methodGuard === undefined) {
      if (defaultGuards === 'raw') {
        const invoke = rawInvoker(behavior);
        return [viaInvoker(invoke), invoke];
      }
      return [passableMethod(behavior, label), passableDelivery(behavior, label)];
    }
    const payload = methodGuard.payload;
    const invoke =
      payload.callKind === 'async'
        ? asyncInvoker(behavior, payload, label)
        : syncInvoker(behavior, payload, label);
    return [viaInvoker(invoke), invoke];
  };

  // ---- one class of exos ----

  const listDifference = (a, b) => a.filter(x => !b.includes(x));
  const quoteList = list => `[${list.map(quoteKey).join(',')}]`;

  // prepare checks methods against the interface guard and returns what
  // every instance's methods are made from: [key, make, deliver] triples
  // (see methodPair).
  // interfaceGuard undefined means passable defaults and no
  // __getInterfaceGuard__; getGuard (optional) makes the guard lazily.
  const prepare = (what, tag, methods, interfaceGuard, getGuard) => {
    if (methods === null || typeof methods !== 'object') {
      throw TypeError(`${what}: methods must be an object of functions, got ${inspect(methods)}`);
    }
    harden(methods);
    const keys = ownKeys(methods).filter(key => key !== 'constructor');
    for (const key of keys) {
      const desc = getOwnPropertyDescriptor(methods, key);
      if (!('value' in desc) || typeof desc.value !== 'function') {
        throw TypeError(`${what}: property ${String(key)} is not a method`);
      }
    }
    let guards;
    let defaultGuards;
    if (interfaceGuard !== undefined) {
      const parsed = patternKit().parseInterfaceGuard(interfaceGuard);
      guards = parsed.methodGuards;
      defaultGuards = parsed.defaultGuards;
      const guardKeys = [...guards.keys()];
      const unimplemented = listDifference(guardKeys, keys);
      if (unimplemented.length > 0) {
        throw Error(`methods ${quoteList(unimplemented)} not implemented by ${stringify(tag)}`);
      }
      if (defaultGuards === undefined) {
        const unguarded = listDifference(keys, guardKeys);
        if (unguarded.length > 0) {
          throw Error(`methods ${quoteList(unguarded)} not guarded by ${stringify(parsed.interfaceName)}`);
        }
      }
    }
    const prepared = [];
    if ((interfaceGuard !== undefined || getGuard !== undefined) && !keys.includes(GET_INTERFACE_GUARD)) {
      const answer = getGuard === undefined ? () => interfaceGuard : getGuard;
      const invoke = rawInvoker(answer);
      prepared.push([GET_INTERFACE_GUARD, viaInvoker(invoke), invoke]);
    }
    for (const key of keys) {
      const label = `In ${quoteKey(key)} method of (${tag})`;
      const guard = guards === undefined ? undefined : guards.get(key);
      prepared.push([key, ...methodPair(methods[key], guard, defaultGuards, label)]);
    }
    return prepared;
  };

  // Every exo, with what a delivery to it needs: exo -> deliveries (a Map
  // method key -> deliver, shared by the class). The instance's context is
  // not in it: goja's WeakMap holds its values strongly, and a context
  // refers back to its exo, so the exo would never be collected. Only the
  // exo's own methods hold its context.
  const instances = new WeakMap();
  const deliveriesOf = prepared => new Map(prepared.map(([key, , deliver]) => [key, deliver]));

  // exoDelivery calls method on exo for a message delivery, the arguments
  // decoded by marshal (so hardened and passable): the method's guard
  // checks them as it would for any call, except that the passable default
  // has nothing left to check but the result. It answers notExo when exo
  // is not an exo or has no such method.
  // To reach the context, exoDelivery leaves deliver and args in
  // delivering and calls the exo's own method, which hands its context to
  // takeDelivery before anything else runs.
  const notExo = freeze({});
  let delivering;
  let deliveringArgs;
  const takeDelivery = context => {
    const deliver = delivering;
    const args = deliveringArgs;
    delivering = undefined;
    deliveringArgs = undefined;
    return deliver(context, args);
  };
  const exoDelivery = (exo, method, args) => {
    const deliveries = instances.get(exo);
    if (deliveries === undefined) return notExo;
    const deliver = deliveries.get(method);
    if (deliver === undefined) return notExo;
    delivering = deliver;
    deliveringArgs = args;
    return exo[method]();
  };

  // addMethods defines an exo's methods, made for its context, and its
  // toStringTag on the fresh object exo. The methods are not enumerable: an
  // endo exo inherits them, so Object.keys(exo) and {...exo} see none.
  const addMethods = (exo, iface, prepared, context) => {
    for (let i = 0; i < prepared.length; i += 1) {
      const [key, make] = prepared[i];
      defineProperty(exo, key, {
        value: make(context),
        writable: false,
        enumerable: false,
        configurable: false,
      });
    }
    defineProperty(exo, Symbol.toStringTag, { value: iface });
    return exo;
  };

  const emptyRecord = harden({});
  const initEmpty = () => emptyRecord;

  const optionsFinish = (what, options) => {
    if (options === undefined || options === null) return undefined;
    const { finish } = options;
    if (finish !== undefined && typeof finish !== 'function') {
      throw TypeError(`${what}: options.finish must be a function`);
    }
    return finish;
  };

  const makeClass = (what, tag, interfaceGuard, init, methods, options, getGuard) => {
    checkName(what, tag);
    if (typeof init !== 'function') throw TypeError(`${what}: init must be a function`);
    const finish = optionsFinish(what, options);
    const prepared = prepare(`${what}("${tag}")`, tag, methods, interfaceGuard, getGuard);
    const deliveries = deliveriesOf(prepared);
    const iface = `Alleged: ${tag}`;
    return (...args) => {
      const state = seal(init(...args));
      const self = {};
      const context = freeze({ state, self });
      registerRemotable(addMethods(self, iface, prepared, context), iface);
      instances.set(self, deliveries);
      if (finish !== undefined) finish(context);
      return self;
    };
  };

  const defineExoClass = (tag, interfaceGuard, init, methods, options = undefined) =>
    harden(makeClass('defineExoClass', tag, interfaceGuard, init, methods, options));

  const makeExo = (tag, interfaceGuard, methods, options = undefined) =>
    makeClass('makeExo', tag, interfaceGuard, initEmpty, methods, options)();

  const defineExoClassKit = (tag, interfaceGuardKit, init, methodsKit, options = undefined) => {
    const what = 'defineExoClassKit';
    checkName(what, tag);
    if (typeof init !== 'function') throw TypeError(`${what}: init must be a function`);
    if (methodsKit === null || typeof methodsKit !== 'object') {
      throw TypeError(`${what}: the methods kit must be a record of method records`);
    }
    const finish = optionsFinish(what, options);
    const facetNames = ownKeys(methodsKit).sort();
    if (facetNames.length <= 1) throw Error('A multi-facet object must have multiple facets');
    if (interfaceGuardKit !== undefined) {
      const interfaceNames = ownKeys(interfaceGuardKit);
      const extraInterfaces = listDifference(facetNames, interfaceNames);
      if (extraInterfaces.length > 0) {
        throw Error(`Interfaces ${quoteList(extraInterfaces)} not implemented by ${stringify(tag)}`);
      }
      const extraFacets = listDifference(interfaceNames, facetNames);
      if (extraFacets.length > 0) {
        throw Error(`Facets ${quoteList(extraFacets)} of ${stringify(tag)} not guarded by interfaces`);
      }
    }
    const facets = facetNames.map(name => {
      const facetTag = `${tag} ${String(name)}`;
      const guard = interfaceGuardKit === undefined ? undefined : interfaceGuardKit[name];
      const prepared = prepare(`${what}("${facetTag}")`, facetTag, methodsKit[name], guard);
      return [name, `Alleged: ${facetTag}`, prepared, deliveriesOf(prepared)];
    });
    const makeInstanceKit = (...args) => {
      const state = seal(init(...args));
      const context = { state, facets: undefined };
      const made = {};
      for (const [name, iface, prepared, deliveries] of facets) {
        const facet = registerRemotable(addMethods({}, iface, prepared, context), iface);
        instances.set(facet, deliveries);
        made[name] = facet;
      }
      context.facets = harden(made);
      freeze(context);
      if (finish !== undefined) finish(context);
      return context.facets;
    };
    return harden(makeInstanceKit);
  };

  // makeDefaultExo(name, methods, interfaceGuard?) is makeExo(name,
  // interfaceGuard, methods); without a guard it gets the permissive
  // passable one, built only if someone asks for it.
  const makeDefaultInterface = name =>
    lib.getPatternKit().M.interface(name, {}, { defaultGuards: 'passable' });

  const makeDefaultExo = (name, methods, interfaceGuard = undefined) => {
    checkName('makeDefaultExo', name);
    if (interfaceGuard !== undefined) return makeExo(name, interfaceGuard, methods);
    let guard;
    const getGuard = () => {
      if (guard === undefined) guard = makeDefaultInterface(name);
      return guard;
    };
    return makeClass('makeDefaultExo', name, undefined, initEmpty, methods, undefined, getGuard)();
  };

  // ---- Far and Remotable: no guards, `this` is the object ----

  const copyMethods = (what, target, methods) => {
    for (const key of ownKeys(methods)) {
      const desc = getOwnPropertyDescriptor(methods, key);
      if (!('value' in desc) || typeof desc.value !== 'function') {
        throw TypeError(`${what}: property ${String(key)} is not a method`);
      }
      defineProperty(target, key, {
        value: desc.value,
        writable: false,
        enumerable: typeof key === 'string',
        configurable: false,
      });
    }
  };

  // Remotable(iface, props, obj) marks obj itself as a remotable. It must
  // not be frozen yet, so nobody can turn someone else's record into a
  // remotable.
  const Remotable = (iface = 'Remotable', props = undefined, obj = {}) => {
    checkName('Remotable', iface);
    if (props !== undefined) throw TypeError('Remotable: props are not supported');
    if (remotables.has(obj)) throw TypeError(`Remotable: ${inspect(obj)} is already a remotable`);
    if (isFrozen(obj)) throw TypeError(`Remotable: ${inspect(obj)} is already frozen`);
    if (getOwnPropertyDescriptor(obj, Symbol.toStringTag) === undefined) {
      defineProperty(obj, Symbol.toStringTag, { value: iface });
    }
    return registerRemotable(obj, iface);
  };

  const Far = (name, obj = {}) => {
    checkName('Far', name);
    return Remotable(`Alleged: ${name}`, undefined, obj);
  };

  // makeFar builds a fresh Far object from a record of methods (for the
  // stores, whose methods are plain closures).
  const makeFar = (name, methods) => {
    const obj = {};
    copyMethods(`Far("${name}")`, obj, methods);
    return Far(name, obj);
  };

  // For vom.js's kinds, whose state lives outside the object: the parts
  // of one exo facet, and a facet over a context made elsewhere.
  lib.prepareExoFacet = (what, tag, interfaceGuard, methods) => {
    const prepared = prepare(what, tag, methods, interfaceGuard);
    return { iface: `Alleged: ${tag}`, prepared, deliveries: deliveriesOf(prepared) };
  };
  lib.makeExoFacet = ({ iface, prepared, deliveries }, context) => {
    const facet = registerRemotable(addMethods({}, iface, prepared, context), iface);
    instances.set(facet, deliveries);
    return facet;
  };

  lib.makeDefaultExo = harden(makeDefaultExo);
  lib.makeDefaultInterface = harden(makeDefaultInterface);
  lib.makeExo = harden(makeExo);
  lib.defineExoClass = harden(defineExoClass);
  lib.defineExoClassKit = harden(defineExoClassKit);
  lib.initEmpty = harden(initEmpty);
  lib.GET_INTERFACE_GUARD = GET_INTERFACE_GUARD;
  lib.Remotable = harden(Remotable);
  lib.Far = harden(Far);
  lib.makeFar = makeFar;
  lib.exoDelivery = exoDelivery;
  lib.notExo = notExo;
});
