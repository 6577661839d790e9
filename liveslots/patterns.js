// patterns.js is @endo/patterns for vats: M builds patterns and guards as
// the same tagged values endo builds ("match:<name>", "guard:<kind>"), and
// mustMatch/matches check passable values against them with endo's
// wording: `string "foo" - Must be a number`, labelled by where the
// mismatch is (`arg 0?: -3 - Must be >= 0`). Keys (keyEQ, the partial order
// of M.lt/M.gte), copySet/copyBag/copyMap and the guard payload accessors
// live here too; exo.js enforces interface guards with the kit's
// patternKit.
//
// It is compiled and run on first use (lazy.js), given the intrinsic
// WeakMap and WeakSet: vat code's (weakcollections.js) have replaced the
// globals by then. It answers the kit.
(function patternsModule(lib, WeakMap, WeakSet) {
  'use strict';

  const makePatternKit = () => {
    const {
      harden,
      inspect,
      makeTagged,
      passStyleOf,
      isPassable,
      isTagged,
      getTag,
      remotables,
      isPromise,
      isError,
      nameForPassableSymbol,
    } = lib;
    const { isArray } = Array;
    const { hasOwn, freeze } = Object;
    const { ownKeys } = Reflect;
    const { stringify } = JSON;

    const show = inspect;
    const OK = undefined;

    // endo's default limits, applied when a pattern gives none.
    const defaultLimits = freeze({
      stringLengthLimit: 100000,
      symbolNameLengthLimit: 100,
      numPropertiesLimit: 80,
      propertyNameLengthLimit: 100,
      arrayLengthLimit: 10000,
      numSetElementsLimit: 10000,
      numUniqueBagElementsLimit: 10000,
      numMapEntriesLimit: 5000,
    });
    const limitOf = (limits, name) =>
      limits !== undefined && limits !== null && typeof limits[name] === 'number'
        ? limits[name]
        : defaultLimits[name];

    // ---- pass styles and kinds of values already known to be passable ----

    const styleOf = x => {
      switch (typeof x) {
        case 'undefined':
        case 'boolean':
        case 'number':
        case 'bigint':
        case 'string':
        case 'symbol':
          return typeof x;
        case 'function':
          return 'remotable';
        default:
          break;
      }
      if (x === null) return 'null';
      if (remotables.has(x)) return 'remotable';
      if (isTagged(x)) return 'tagged';
      if (isArray(x)) return 'copyArray';
      if (isPromise(x)) return 'promise';
      if (isError(x)) return 'error';
      return 'copyRecord';
    };

    const collectionTags = ['copySet', 'copyBag', 'copyMap'];
    const isPrimitiveStyle = s => s !== 'copyArray' && s !== 'copyRecord' && s !== 'tagged' &&
      s !== 'remotable' && s !== 'promise' && s !== 'error';

    // kindName is the kind a message calls x by: its pass style, or for a
    // tagged value a tag patterns know.
    const kindName = x => {
      const style = styleOf(x);
      if (style !== 'tagged') return style;
      const tag = getTag(x);
      // eslint-disable-next-line no-use-before-define
      return collectionTags.includes(tag) || matchers.has(tag) || guardTags.includes(tag) ? tag : 'tagged';
    };

    // ---- keys ----

    const isKeyInner = x => {
      switch (styleOf(x)) {
        case 'copyArray':
          for (let i = 0; i < x.length; i += 1) if (!isKeyInner(x[i])) return false;
          return true;
        case 'copyRecord': {
          const names = ownKeys(x);
          for (let i = 0; i < names.length; i += 1) if (!isKeyInner(x[names[i]])) return false;
          return true;
        }
        case 'tagged': {
          const tag = getTag(x);
          const { payload } = x;
          if (tag === 'copySet') return isArray(payload) && payload.every(isKeyInner);
          if (tag === 'copyBag') return isArray(payload) && payload.every(e => isArray(e) && isKeyInner(e[0]));
          if (tag === 'copyMap') {
            return payload !== null && typeof payload === 'object' && isArray(payload.keys) &&
              isArray(payload.values) && payload.keys.every(isKeyInner) && payload.values.every(isKeyInner);
          }
          return false;
        }
        case 'promise':
        case 'error':
          return false;
        default:
          return true;
      }
    };

    const isKey = x => isPassable(x) && isKeyInner(x);
    const assertKey = x => {
      passStyleOf(x);
      if (!isKeyInner(x)) throw Error(`${show(x)} - Must be a key`);
    };
    const scalarProblem = x => {
      const style = styleOf(x);
      return isPrimitiveStyle(style) || style === 'remotable'
        ? OK
        : `A ${stringify(style)} cannot be a scalar key: ${show(x)}`;
    };
    const isScalarKey = x => isPassable(x) && scalarProblem(x) === OK;
    const assertScalarKey = x => {
      passStyleOf(x);
      const problem = scalarProblem(x);
      if (problem !== OK) throw Error(problem);
    };

    const keyEQInner = (a, b) => {
      if (a === b) return true;
      const style = styleOf(a);
      if (style !== styleOf(b)) return false;
      switch (style) {
        case 'number':
          return a !== a && b !== b; // NaN
        case 'copyArray':
          if (a.length !== b.length) return false;
          for (let i = 0; i < a.length; i += 1) if (!keyEQInner(a[i], b[i])) return false;
          return true;
        case 'copyRecord': {
          const names = ownKeys(a);
          if (names.length !== ownKeys(b).length) return false;
          for (let i = 0; i < names.length; i += 1) {
            if (!hasOwn(b, names[i]) || !keyEQInner(a[names[i]], b[names[i]])) return false;
          }
          return true;
        }
        case 'tagged':
          return getTag(a) === getTag(b) && keyEQInner(a.payload, b.payload);
        default:
          return false;
      }
    };

    const keyEQ = (a, b) => {
      assertKey(a);
      assertKey(b);
      return keyEQInner(a, b);
    };

    // Rank order, used to sort collections: by pass style in the order
    // @endo/marshal's encodePassable gives them, then by value. Remotables,
    // promises and errors tie with their own kind.
    const styleRank = {
      error: 0, copyRecord: 1, tagged: 2, promise: 3, copyArray: 4, boolean: 5,
      number: 6, bigint: 7, remotable: 8, string: 9, null: 10, symbol: 11, undefined: 12,
    };
    const compareRank = (a, b) => {
      if (a === b) return 0;
      const sa = styleOf(a);
      const sb = styleOf(b);
      if (sa !== sb) return styleRank[sa] < styleRank[sb] ? -1 : 1;
      switch (sa) {
        case 'number':
          if (a !== a) return b !== b ? 0 : 1;
          if (b !== b) return -1;
          return a < b ? -1 : a > b ? 1 : 0;
        case 'bigint':
        case 'string':
          return a < b ? -1 : a > b ? 1 : 0;
        case 'boolean':
          return a ? 1 : -1;
        case 'symbol': {
          const na = nameForPassableSymbol(a);
          const nb = nameForPassableSymbol(b);
          return na < nb ? -1 : na > nb ? 1 : 0;
        }
        case 'copyArray': {
          const n = a.length < b.length ? a.length : b.length;
          for (let i = 0; i < n; i += 1) {
            const c = compareRank(a[i], b[i]);
            if (c !== 0) return c;
          }
          return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
        }
        case 'copyRecord': {
          const na = ownKeys(a).sort();
          const nb = ownKeys(b).sort();
          const c = compareRank(harden(na), harden(nb));
          if (c !== 0) return c;
          for (let i = 0; i < na.length; i += 1) {
            const cv = compareRank(a[na[i]], b[na[i]]);
            if (cv !== 0) return cv;
          }
          return 0;
        }
        case 'tagged': {
          const ta = getTag(a);
          const tb = getTag(b);
          if (ta !== tb) return ta < tb ? -1 : 1;
          return compareRank(a.payload, b.payload);
        }
        default:
          return 0;
      }
    };

    const setElements = set => set.payload;

    // compareKeys is the partial order M.lt/lte/gte/gt use: scalars of one
    // kind by value, copyArrays lexicographically, copySets by inclusion;
    // anything else is only equal or incomparable (NaN).
    const compareKeysInner = (a, b) => {
      if (keyEQInner(a, b)) return 0;
      const style = styleOf(a);
      if (style !== styleOf(b)) return NaN;
      switch (style) {
        case 'number':
          if (a !== a || b !== b) return NaN;
          return a < b ? -1 : 1;
        case 'bigint':
        case 'string':
        case 'boolean':
        case 'symbol':
          return compareRank(a, b);
        case 'copyArray': {
          const n = a.length < b.length ? a.length : b.length;
          for (let i = 0; i < n; i += 1) {
            const c = compareKeysInner(a[i], b[i]);
            if (c !== 0) return c;
          }
          return a.length < b.length ? -1 : 1;
        }
        case 'tagged': {
          if (getTag(a) !== 'copySet' || getTag(b) !== 'copySet') return NaN;
          const inB = setElements(a).every(x => setElements(b).some(y => keyEQInner(x, y)));
          const inA = setElements(b).every(y => setElements(a).some(x => keyEQInner(x, y)));
          if (inB) return -1;
          if (inA) return 1;
          return NaN;
        }
        default:
          return NaN;
      }
    };
    const compareKeys = (a, b) => {
      assertKey(a);
      assertKey(b);
      return compareKeysInner(a, b);
    };

    // ---- copySet, copyBag, copyMap ----

    // sortUnique sorts keys into the descending rank order endo keeps them
    // in and refuses duplicates.
    const sortUnique = (what, keyList) => {
      const sorted = [...keyList].sort((a, b) => compareRank(b, a));
      for (let i = 0; i < sorted.length; i += 1) {
        for (let j = i + 1; j < sorted.length && compareRank(sorted[i], sorted[j]) === 0; j += 1) {
          if (keyEQInner(sorted[i], sorted[j])) {
            throw Error(`${what} has duplicate keys: ${show(sorted[i])}`);
          }
        }
      }
      return sorted;
    };

    const checkKeys = (what, list) => {
      for (const k of list) {
        harden(k);
        passStyleOf(k);
        if (!isKeyInner(k)) throw Error(`${what}: ${show(k)} - Must be a key`);
      }
    };

    const makeCopySet = elements => {
      const list = [...elements];
      checkKeys('copySet', list);
      return makeTagged('copySet', harden(sortUnique('copySet', list)));
    };

    const makeCopyMap = entryList => {
      const pairs = [...entryList];
      const keyList = pairs.map(pair => pair[0]);
      checkKeys('copyMap', keyList);
      const byKey = new Map();
      for (const [k, v] of pairs) byKey.set(k, v);
      const sorted = sortUnique('copyMap', keyList);
      const values = sorted.map(k => {
        if (byKey.has(k)) return byKey.get(k);
        return pairs.find(pair => keyEQInner(pair[0], k))[1];
      });
      return makeTagged('copyMap', harden({ keys: sorted, values }));
    };

    const makeCopyBag = bagEntries => {
      const pairs = [...bagEntries];
      const keyList = pairs.map(pair => pair[0]);
      checkKeys('copyBag', keyList);
      for (const [k, count] of pairs) {
        if (typeof count !== 'bigint' || count < 1n) {
          throw Error(`copyBag: the count of ${show(k)} must be a positive bigint, got ${show(count)}`);
        }
      }
      const sorted = sortUnique('copyBag', keyList);
      const payload = sorted.map(k => [k, pairs.find(pair => keyEQInner(pair[0], k))[1]]);
      return makeTagged('copyBag', harden(payload));
    };

    const makeCopyBagFromElements = elements => {
      const counts = [];
      for (const element of elements) {
        const found = counts.find(pair => keyEQInner(pair[0], element));
        if (found) found[1] += 1n;
        else counts.push([element, 1n]);
      }
      return makeCopyBag(counts);
    };

    const isCollection = (x, tag) => isPassable(x) && styleOf(x) === 'tagged' && getTag(x) === tag;
    const isCopySet = x => isCollection(x, 'copySet');
    const isCopyMap = x => isCollection(x, 'copyMap');
    const isCopyBag = x => isCollection(x, 'copyBag');
    const mustBe = (x, tag) => {
      if (!isCollection(x, tag)) throw Error(`${show(x)} - Must be a ${tag}`);
    };
    const getCopySetKeys = s => {
      mustBe(s, 'copySet');
      return s.payload;
    };
    const getCopyMapKeys = m => {
      mustBe(m, 'copyMap');
      return m.payload.keys;
    };
    const getCopyMapValues = m => {
      mustBe(m, 'copyMap');
      return m.payload.values;
    };
    const getCopyMapEntries = m => {
      mustBe(m, 'copyMap');
      const { keys, values } = m.payload;
      return harden(keys.map((k, i) => [k, values[i]]));
    };
    const getCopyBagEntries = b => {
      mustBe(b, 'copyBag');
      return b.payload;
    };

    // ---- matching ----

    const labelled = (label, problem) => (problem === OK ? OK : `${label}: ${problem}`);

    const kindProblem = (s, kind) => {
      if (kind === 'undefined') return s === undefined ? OK : `${show(s)} - Must be: undefined`;
      if (kind === 'null') return s === null ? OK : `${show(s)} - Must be: null`;
      const real = kindName(s);
      return real === kind ? OK : `${real} ${show(s)} - Must be a ${kind}`;
    };

    const keyProblem = (s, key) => (keyEQInner(s, key) ? OK : `${show(s)} - Must be: ${show(key)}`);

    const isUndefinedPatt = p =>
      p === undefined || (isTagged(p) && getTag(p) === 'match:kind' && p.payload === 'undefined');
    const isAnyPatt = p => isTagged(p) && getTag(p) === 'match:any';

    // problem(s, p) is undefined when the passable s matches the pattern p,
    // else the text saying why not.
    const problem = (s, p) => {
      switch (styleOf(p)) {
        case 'tagged': {
          const tag = getTag(p);
          // eslint-disable-next-line no-use-before-define
          const matcher = matchers.get(tag);
          if (matcher !== undefined) return matcher(s, p.payload);
          if (collectionTags.includes(tag)) return keyProblem(s, p);
          return `cannot check unrecognized tag ${stringify(tag)}: ${show(p)}`;
        }
        case 'copyArray': {
          if (isKeyInner(p)) return keyProblem(s, p);
          if (styleOf(s) !== 'copyArray') {
            return `${show(s)} - Must be a copyArray to match a copyArray pattern: ${show(p)}`;
          }
          if (s.length !== p.length) {
            return `Array ${show(s)} - Must be as long as copyArray pattern: ${show(p)}`;
          }
          for (let i = 0; i < p.length; i += 1) {
            const inner = problem(s[i], p[i]);
            if (inner !== OK) return `${i}: ${inner}`;
          }
          return OK;
        }
        case 'copyRecord': {
          if (isKeyInner(p)) return keyProblem(s, p);
          if (styleOf(s) !== 'copyRecord') {
            return `${show(s)} - Must be a copyRecord to match a copyRecord pattern: ${show(p)}`;
          }
          const names = ownKeys(p).sort();
          const missing = names.filter(name => !hasOwn(s, name));
          if (missing.length > 0) return `${show(s)} - Must have missing properties ${show(missing)}`;
          const unexpected = ownKeys(s).sort().filter(name => !hasOwn(p, name));
          if (unexpected.length > 0) {
            return `${show(s)} - Must not have unexpected properties: ${show(unexpected)}`;
          }
          for (let i = 0; i < names.length; i += 1) {
            const inner = problem(s[names[i]], p[names[i]]);
            if (inner !== OK) return `${names[i]}: ${inner}`;
          }
          return OK;
        }
        case 'promise':
          return `promises cannot be patterns: ${show(p)}`;
        case 'error':
          return `errors cannot be patterns: ${show(p)}`;
        default:
          return keyProblem(s, p);
      }
    };

    const everyElement = (list, patt, labelOf) => {
      if (isAnyPatt(patt)) return OK;
      for (let i = 0; i < list.length; i += 1) {
        const inner = problem(list[i], patt);
        if (inner !== OK) return `${labelOf(i)}: ${inner}`;
      }
      return OK;
    };

    const compareProblem = (s, operand, ok, words) => {
      if (isKeyInner(s) && ok(compareKeysInner(s, operand))) return OK;
      return `${show(s)} - Must be ${words} ${show(operand)}`;
    };

    const splitParts = (s, required, optional) => {
      const n = required.length;
      const m = optional.length;
      return [s.slice(0, n), s.slice(n, n + m), s.slice(n + m)];
    };

    // matchers: tag -> (specimen, payload) => problem.
    const matchers = new Map([
      ['match:any', () => OK],
      ['match:and', (s, patts) => {
        for (let i = 0; i < patts.length; i += 1) {
          const inner = problem(s, patts[i]);
          if (inner !== OK) return inner;
        }
        return OK;
      }],
      ['match:or', (s, patts) => {
        if (patts.length === 0) return `${show(s)} - no pattern disjuncts to match: ${show(patts)}`;
        if (patts.length === 2) {
          const undefIndex = isUndefinedPatt(patts[0]) ? 0 : isUndefinedPatt(patts[1]) ? 1 : -1;
          if (undefIndex >= 0) return s === undefined ? OK : problem(s, patts[1 - undefIndex]);
        }
        for (let i = 0; i < patts.length; i += 1) if (problem(s, patts[i]) === OK) return OK;
        return `${show(s)} - Must match one of ${show(patts)}`;
      }],
      ['match:not', (s, patt) =>
        problem(s, patt) === OK ? `${show(s)} - Must fail negated pattern: ${show(patt)}` : OK],
      ['match:scalar', s => scalarProblem(s)],
      ['match:key', s => (isKeyInner(s) ? OK : `${show(s)} - Must be a key`)],
      // eslint-disable-next-line no-use-before-define
      ['match:pattern', s => patternProblem(s)],
      ['match:kind', (s, kind) => kindProblem(s, kind)],
      ['match:tagged', (s, [tagPatt, payloadPatt]) => {
        if (styleOf(s) !== 'tagged') {
          return `Expected tagged object, not ${stringify(styleOf(s))}: ${show(s)}`;
        }
        return labelled('tag', problem(getTag(s), tagPatt)) ||
          labelled('payload', problem(s.payload, payloadPatt));
      }],
      ['match:bigint', s => kindProblem(s, 'bigint')],
      ['match:nat', s => kindProblem(s, 'bigint') || (s >= 0n ? OK : `${show(s)} - Must be non-negative`)],
      ['match:string', (s, [limits]) => {
        const kind = kindProblem(s, 'string');
        if (kind !== OK) return kind;
        const limit = limitOf(limits, 'stringLengthLimit');
        return s.length <= limit ? OK : `string ${show(s)} must not be bigger than ${limit}`;
      }],
      ['match:symbol', (s, [limits]) => {
        const kind = kindProblem(s, 'symbol');
        if (kind !== OK) return kind;
        const name = nameForPassableSymbol(s);
        const limit = limitOf(limits, 'symbolNameLengthLimit');
        return name.length <= limit ? OK : `Symbol name ${stringify(name)} must not be bigger than ${limit}`;
      }],
      ['match:remotable', (s, { label }) => {
        const style = styleOf(s);
        if (style === 'remotable') return OK;
        const kind = style === 'tagged' ? stringify(getTag(s)) : style;
        return `${show(s)} - Must be a remotable ${label}, not ${kind}`;
      }],
      ['match:lt', (s, operand) => compareProblem(s, operand, c => c < 0, '<')],
      ['match:lte', (s, operand) => compareProblem(s, operand, c => c <= 0, '<=')],
      ['match:gte', (s, operand) => compareProblem(s, operand, c => c >= 0, '>=')],
      ['match:gt', (s, operand) => compareProblem(s, operand, c => c > 0, '>')],
      ['match:arrayOf', (s, [sub, limits]) => {
        const kind = kindProblem(s, 'copyArray');
        if (kind !== OK) return kind;
        const limit = limitOf(limits, 'arrayLengthLimit');
        if (s.length > limit) return `Array length ${s.length} must be <= limit ${limit}`;
        return everyElement(s, sub, i => `[${i}]`);
      }],
      ['match:recordOf', (s, [keyPatt, valuePatt, limits]) => {
        const kind = kindProblem(s, 'copyRecord');
        if (kind !== OK) return kind;
        const names = ownKeys(s);
        const limit = limitOf(limits, 'numPropertiesLimit');
        if (names.length > limit) {
          return `Must not have more than ${limit} properties: ${show(s)}`;
        }
        const nameLimit = limitOf(limits, 'propertyNameLengthLimit');
        const anyKey = isAnyPatt(keyPatt);
        const anyValue = isAnyPatt(valuePatt);
        for (let i = 0; i < names.length; i += 1) {
          const name = names[i];
          if (name.length > nameLimit) return `${name}: Property name must not be longer than ${nameLimit}`;
          const inner = (anyKey ? OK : problem(name, keyPatt)) || (anyValue ? OK : problem(s[name], valuePatt));
          if (inner !== OK) return `${name}: ${inner}`;
        }
        return OK;
      }],
      ['match:setOf', (s, [keyPatt, limits]) => {
        const kind = kindProblem(s, 'copySet');
        if (kind !== OK) return kind;
        const limit = limitOf(limits, 'numSetElementsLimit');
        if (s.payload.length > limit) {
          return `Set must not have more than ${limit} elements: ${s.payload.length}`;
        }
        return everyElement(s.payload, keyPatt, i => `set elements[${i}]`);
      }],
      ['match:bagOf', (s, [keyPatt, countPatt, limits]) => {
        const kind = kindProblem(s, 'copyBag');
        if (kind !== OK) return kind;
        const limit = limitOf(limits, 'numUniqueBagElementsLimit');
        if (s.payload.length > limit) {
          return `Bag must not have more than ${limit} unique elements: ${show(s)}`;
        }
        for (let i = 0; i < s.payload.length; i += 1) {
          const [key, count] = s.payload[i];
          const inner = labelled(`bag keys[${i}]`, problem(key, keyPatt)) ||
            labelled(`bag counts[${i}]`, problem(count, countPatt));
          if (inner !== OK) return inner;
        }
        return OK;
      }],
      ['match:mapOf', (s, [keyPatt, valuePatt, limits]) => {
        const kind = kindProblem(s, 'copyMap');
        if (kind !== OK) return kind;
        const limit = limitOf(limits, 'numMapEntriesLimit');
        if (s.payload.keys.length > limit) {
          return `CopyMap must have no more than ${limit} entries: ${show(s)}`;
        }
        return everyElement(s.payload.keys, keyPatt, i => `map keys[${i}]`) ||
          everyElement(s.payload.values, valuePatt, i => `map values[${i}]`);
      }],
      ['match:splitArray', (s, [required, optional = [], rest = undefined]) => {
        const kind = kindProblem(s, 'copyArray');
        if (kind !== OK) return kind;
        const [req, opt, more] = splitParts(s, required, optional);
        if (req.length !== required.length) {
          return `Expected at least ${required.length} arguments: ${show(s)}`;
        }
        let argNum = 0;
        for (let i = 0; i < required.length; i += 1) {
          const inner = problem(req[i], required[i]);
          if (inner !== OK) return `arg ${argNum}: ${inner}`;
          argNum += 1;
        }
        for (let i = 0; i < opt.length; i += 1) {
          if (opt[i] !== undefined) {
            const inner = problem(opt[i], optional[i]);
            if (inner !== OK) return `arg ${argNum}?: ${inner}`;
          }
          argNum += 1;
        }
        if (rest === undefined || isAnyPatt(rest)) return OK;
        return labelled('...rest', problem(harden(more), rest));
      }],
      ['match:splitRecord', (s, [required, optional = {}, rest = undefined]) => {
        const kind = kindProblem(s, 'copyRecord');
        if (kind !== OK) return kind;
        const req = {};
        const opt = {};
        const more = {};
        for (const name of ownKeys(s)) {
          if (hasOwn(required, name)) req[name] = s[name];
          else if (hasOwn(optional, name)) opt[name] = s[name];
          else more[name] = s[name];
        }
        const first = problem(harden(req), required);
        if (first !== OK) return first;
        for (const name of ownKeys(opt).sort()) {
          if (opt[name] !== undefined) {
            const inner = problem(opt[name], optional[name]);
            if (inner !== OK) return `${name}?: ${inner}`;
          }
        }
        if (rest === undefined || isAnyPatt(rest)) return OK;
        return labelled('...rest', problem(harden(more), rest));
      }],
      ['match:containerHas', (s, [elementPatt, bound]) => {
        const kind = kindName(s);
        let list;
        if (kind === 'copyArray') list = s;
        else if (kind === 'copySet') list = s.payload;
        else if (kind === 'copyBag') list = s.payload.flatMap(([k, n]) => Array(Number(n)).fill(k));
        else return `${kind} ${show(s)} - Must be a copyArray, copySet or copyBag`;
        let count = 0n;
        for (let i = 0; i < list.length && count < bound; i += 1) {
          if (problem(list[i], elementPatt) === OK) count += 1n;
        }
        return count >= bound ? OK : `Has only ${show(count)} matches, but needs ${show(bound)}`;
      }],
      ['match:byteArray', s => kindProblem(s, 'byteArray')],
    ]);

    // ---- what is a pattern ----

    const guardTags = ['guard:interfaceGuard', 'guard:methodGuard', 'guard:awaitArgGuard', 'guard:rawGuard'];

    // subPatterns lists the patterns inside a matcher's payload, or returns a
    // problem text when the payload is malformed.
    const subPatterns = (tag, payload) => {
      const arrayOf = (n, m) =>
        isArray(payload) && payload.length >= n && payload.length <= m
          ? OK
          : `${tag} payload must be an array of ${n === m ? n : `${n} to ${m}`} elements: ${show(payload)}`;
      switch (tag) {
        case 'match:any':
        case 'match:scalar':
        case 'match:key':
        case 'match:pattern':
          return payload === undefined ? [] : `${tag} payload: ${show(payload)} - Must be undefined`;
        case 'match:and':
        case 'match:or':
          return isArray(payload) ? payload : `Needs array of sub-patterns: ${show(payload)}`;
        case 'match:not':
          return [payload];
        case 'match:kind':
          return typeof payload === 'string' ? [] : `match:kind: payload: ${show(payload)} - A kind name must be a string`;
        case 'match:tagged':
          return arrayOf(2, 2) || [payload[0], payload[1]];
        case 'match:bigint':
        case 'match:nat':
        case 'match:string':
        case 'match:symbol':
        case 'match:byteArray':
          return arrayOf(0, 1) || [];
        case 'match:remotable':
          return payload !== null && typeof payload === 'object' && typeof payload.label === 'string'
            ? []
            : `match:remotable payload: ${show(payload)} - Must be {label: string}`;
        case 'match:lt':
        case 'match:lte':
        case 'match:gte':
        case 'match:gt':
          return isKeyInner(payload) ? [] : `${tag}: ${show(payload)} - Must be a key`;
        case 'match:arrayOf':
        case 'match:setOf':
          return arrayOf(1, 2) || [payload[0]];
        case 'match:recordOf':
        case 'match:bagOf':
        case 'match:mapOf':
          return arrayOf(2, 3) || [payload[0], payload[1]];
        case 'match:containerHas':
          return arrayOf(2, 3) || (typeof payload[1] === 'bigint' && payload[1] >= 1n
            ? [payload[0]]
            : `M.containerHas: the count must be a bigint >= 1n: ${show(payload[1])}`);
        case 'match:splitArray':
        case 'match:splitRecord': {
          const bad = arrayOf(1, 3);
          if (bad !== OK) return bad;
          const want = tag === 'match:splitArray' ? 'copyArray' : 'copyRecord';
          const [base, optional = want === 'copyArray' ? [] : {}, rest] = payload;
          if (styleOf(base) !== want || styleOf(optional) !== want) {
            return `${tag}: Must be an array of a requiredPatt ${want}, an optional optionalPatt ${want}, and an optional restPatt: ${show(payload)}`;
          }
          const values = want === 'copyArray'
            ? [...base, ...optional]
            : [...ownKeys(base).map(k => base[k]), ...ownKeys(optional).map(k => optional[k])];
          return payload.length === 3 ? [...values, rest] : values;
        }
        default:
          return `cannot check unrecognized tag ${stringify(tag)}`;
      }
    };

    const knownPatterns = new WeakSet();

    const patternProblem = p => {
      if ((typeof p !== 'object' || p === null) && typeof p !== 'function') return OK;
      if (knownPatterns.has(p)) return OK;
      let found = OK;
      switch (styleOf(p)) {
        case 'copyArray':
          for (let i = 0; i < p.length && found === OK; i += 1) found = labelled(i, patternProblem(p[i]));
          break;
        case 'copyRecord': {
          const names = ownKeys(p);
          for (let i = 0; i < names.length && found === OK; i += 1) {
            found = labelled(names[i], patternProblem(p[names[i]]));
          }
          break;
        }
        case 'tagged': {
          const tag = getTag(p);
          if (collectionTags.includes(tag)) {
            found = isKeyInner(p) ? OK : `${show(p)} - Must be a key`;
            break;
          }
          if (!matchers.has(tag)) {
            found = guardTags.includes(tag)
              ? `A guard is not a pattern: ${show(p)}`
              : `cannot check unrecognized tag ${stringify(tag)}: ${show(p)}`;
            break;
          }
          const subs = subPatterns(tag, p.payload);
          if (typeof subs === 'string') {
            found = subs;
            break;
          }
          for (let i = 0; i < subs.length && found === OK; i += 1) found = patternProblem(subs[i]);
          break;
        }
        case 'promise':
          found = `A "promise" cannot be a pattern: ${show(p)}`;
          break;
        case 'error':
          found = `A "error" cannot be a pattern: ${show(p)}`;
          break;
        default:
          break;
      }
      if (found === OK) knownPatterns.add(p);
      return found;
    };

    const isPattern = p => isPassable(p) && patternProblem(p) === OK;
    const assertPattern = p => {
      passStyleOf(p);
      const found = patternProblem(p);
      if (found !== OK) throw Error(found);
    };

    // relabel puts label in front of an error's message, keeping its kind.
    const relabel = (e, label) => {
      const message = `${label}: ${e instanceof Error ? e.message : show(e)}`;
      if (e instanceof TypeError) return TypeError(message);
      if (e instanceof RangeError) return RangeError(message);
      return Error(message);
    };

    // checkMatch throws unless the passable-or-not specimen matches the
    // already validated pattern; label (if any) starts the message.
    const checkMatch = (specimen, patt, label) => {
      try {
        passStyleOf(specimen);
      } catch (e) {
        throw label === undefined ? e : relabel(e, label);
      }
      const found = problem(specimen, patt);
      if (found !== OK) throw Error(label === undefined ? found : `${label}: ${found}`);
    };

    const mustMatch = (specimen, patt, label = undefined) => {
      assertPattern(harden(patt));
      checkMatch(specimen, patt, label === undefined ? undefined : String(label));
    };

    const matches = (specimen, patt) => {
      assertPattern(harden(patt));
      return isPassable(specimen) && problem(specimen, patt) === OK;
    };

    const kindOf = specimen => {
      passStyleOf(specimen);
      const kind = kindName(specimen);
      return kind === 'tagged' ? undefined : kind;
    };

    // ---- M ----

    const makeMatcher = (tag, payload) => {
      const matcher = makeTagged(tag, harden(payload));
      assertPattern(matcher);
      return matcher;
    };
    const makeKindMatcher = kind => makeMatcher('match:kind', kind);
    // A trailing undefined (no limits given) is left out, as endo does.
    const makeLimitsMatcher = (tag, payload) =>
      makeMatcher(tag, payload[payload.length - 1] === undefined ? payload.slice(0, -1) : payload);

    const AnyShape = makeMatcher('match:any', undefined);
    const ScalarShape = makeMatcher('match:scalar', undefined);
    const KeyShape = makeMatcher('match:key', undefined);
    const PatternShape = makeMatcher('match:pattern', undefined);
    const BooleanShape = makeKindMatcher('boolean');
    const NumberShape = makeKindMatcher('number');
    const BigIntShape = makeMatcher('match:bigint', []);
    const NatShape = makeMatcher('match:nat', []);
    const StringShape = makeMatcher('match:string', []);
    const SymbolShape = makeMatcher('match:symbol', []);
    const RecordShape = makeMatcher('match:recordOf', [AnyShape, AnyShape]);
    const ArrayShape = makeMatcher('match:arrayOf', [AnyShape]);
    const SetShape = makeMatcher('match:setOf', [AnyShape]);
    const BagShape = makeMatcher('match:bagOf', [AnyShape, AnyShape]);
    const MapShape = makeMatcher('match:mapOf', [AnyShape, AnyShape]);
    const RemotableShape = makeKindMatcher('remotable');
    const ErrorShape = makeKindMatcher('error');
    const PromiseShape = makeKindMatcher('promise');
    const UndefinedShape = makeKindMatcher('undefined');

    const splitPayload = (empty, base, optional, rest) => {
      if (rest !== undefined) return [base, optional === undefined ? empty : optional, rest];
      if (optional !== undefined) return [base, optional];
      return [base];
    };

    // ---- guards ----

    const RawGuard = makeTagged('guard:rawGuard', harden({}));
    const isRawGuard = g => isTagged(g) && getTag(g) === 'guard:rawGuard';
    const isAwaitArgGuard = g => isTagged(g) && getTag(g) === 'guard:awaitArgGuard';
    const isMethodGuard = g => isTagged(g) && getTag(g) === 'guard:methodGuard';
    const isInterfaceGuard = g => isTagged(g) && getTag(g) === 'guard:interfaceGuard';

    // A method guard is built with M.call/M.callWhen then .optional, .rest
    // and finally .returns, which makes the guard itself.
    const makerBrand = new WeakSet();

    const checkArgGuard = (where, g, mayAwait) => {
      if (isRawGuard(g)) return;
      if (isAwaitArgGuard(g)) {
        if (!mayAwait) throw Error(`${where}: M.await() is only allowed in the arguments of M.callWhen()`);
        return;
      }
      harden(g);
      passStyleOf(g);
      const found = patternProblem(g);
      if (found !== OK) throw Error(`${where}: ${found}`);
    };

    const makeMethodGuardMaker = (callKind, argGuards, optionalArgGuards, restArgGuard) => {
      const maker = harden({
        optional: (...optional) => {
          if (optionalArgGuards !== undefined) throw Error('Can only have one set of optional guards');
          if (restArgGuard !== undefined) throw Error('optional arg guards must come before rest arg');
          return makeMethodGuardMaker(callKind, argGuards, harden(optional), undefined);
        },
        rest: rest => {
          if (restArgGuard !== undefined) throw Error('Can only have one rest arg');
          if (isAwaitArgGuard(rest)) throw Error(`Rest args may not be awaited: ${show(rest)}`);
          return makeMethodGuardMaker(callKind, argGuards, optionalArgGuards, rest);
        },
        returns: (returnGuard = UndefinedShape) => {
          const mayAwait = callKind === 'async';
          argGuards.forEach((g, i) => checkArgGuard(`methodGuard: argGuards: ${i}`, g, mayAwait));
          if (optionalArgGuards !== undefined) {
            optionalArgGuards.forEach((g, i) =>
              checkArgGuard(`methodGuard: optionalArgGuards: ${i}`, g, mayAwait));
          }
          if (restArgGuard !== undefined) checkArgGuard('methodGuard: restArgGuard', restArgGuard, false);
          checkArgGuard('methodGuard: returnGuard', returnGuard, false);
          return makeTagged('guard:methodGuard', harden({
            callKind,
            argGuards,
            optionalArgGuards,
            restArgGuard,
            returnGuard,
          }));
        },
      });
      makerBrand.add(maker);
      return maker;
    };

    // Parsed interface guards: guard -> { interfaceName, methodGuards (a Map
    // by method key, symbols included), defaultGuards }.
    const parsedInterfaces = new WeakMap();

    const makeInterfaceGuard = (interfaceName, methodGuards = {}, options = {}) => {
      if (typeof interfaceName !== 'string') {
        throw TypeError(`M.interface: the interface name must be a string, got ${show(interfaceName)}`);
      }
      const { sloppy = false, defaultGuards = sloppy ? 'passable' : undefined } = options;
      if (defaultGuards !== undefined && defaultGuards !== 'passable' && defaultGuards !== 'raw') {
        throw Error(`Unrecognized defaultGuards ${show(defaultGuards)}`);
      }
      const byKey = new Map();
      const stringGuards = {};
      const symbolEntries = [];
      for (const key of ownKeys(methodGuards)) {
        const g = methodGuards[key];
        const name = typeof key === 'symbol' ? `[${String(key)}]` : stringify(key);
        if (makerBrand.has(g)) {
          throw Error(`M.interface(${stringify(interfaceName)}): the guard of method ${name} is unfinished: end it with .returns(...)`);
        }
        if (!isMethodGuard(g)) {
          throw Error(`M.interface(${stringify(interfaceName)}): method ${name}: ${show(g)} - Must be a method guard (M.call(...).returns(...))`);
        }
        byKey.set(key, g);
        if (typeof key === 'symbol') symbolEntries.push([key, g]);
        else stringGuards[key] = g;
      }
      const payload = { interfaceName, methodGuards: harden(stringGuards) };
      if (symbolEntries.length > 0) {
        payload.symbolMethodGuards = makeTagged('copyMap', harden({
          keys: symbolEntries.map(e => e[0]),
          values: symbolEntries.map(e => e[1]),
        }));
      }
      payload.defaultGuards = defaultGuards;
      const guard = makeTagged('guard:interfaceGuard', harden(payload));
      parsedInterfaces.set(guard, harden({ interfaceName, methodGuards: byKey, defaultGuards }));
      return guard;
    };

    // parseInterfaceGuard accepts guards made here and guards that arrived
    // from another vat (the same tagged shape).
    const parseInterfaceGuard = guard => {
      const known = parsedInterfaces.get(guard);
      if (known !== undefined) return known;
      if (!isInterfaceGuard(guard)) throw Error(`${show(guard)} - Must be an interface guard (M.interface(...))`);
      const { interfaceName, methodGuards = {}, symbolMethodGuards, defaultGuards } = guard.payload;
      const byKey = new Map();
      for (const key of ownKeys(methodGuards)) byKey.set(key, methodGuards[key]);
      if (symbolMethodGuards !== undefined) {
        symbolMethodGuards.payload.keys.forEach((k, i) => byKey.set(k, symbolMethodGuards.payload.values[i]));
      }
      for (const [key, g] of byKey) {
        if (!isMethodGuard(g)) throw Error(`interfaceGuard: method ${String(key)}: ${show(g)} - Must be a method guard`);
      }
      const parsed = harden({ interfaceName, methodGuards: byKey, defaultGuards });
      parsedInterfaces.set(guard, parsed);
      return parsed;
    };

    const getInterfaceGuardPayload = guard => {
      parseInterfaceGuard(guard);
      return guard.payload;
    };
    const getMethodGuardPayload = guard => {
      if (!isMethodGuard(guard)) throw Error(`${show(guard)} - Must be a method guard`);
      return guard.payload;
    };
    const getAwaitArgGuardPayload = guard => {
      if (!isAwaitArgGuard(guard)) throw Error(`${show(guard)} - Must be an await arg guard`);
      return guard.payload;
    };
    const getInterfaceMethodKeys = guard => harden([...parseInterfaceGuard(guard).methodGuards.keys()]);

    const M = {
      any: () => AnyShape,
      and: (...patts) => makeMatcher('match:and', patts),
      or: (...patts) => makeMatcher('match:or', patts),
      not: patt => makeMatcher('match:not', patt),
      scalar: () => ScalarShape,
      key: () => KeyShape,
      pattern: () => PatternShape,
      kind: makeKindMatcher,
      tagged: (tagPatt = StringShape, payloadPatt = AnyShape) =>
        makeMatcher('match:tagged', [tagPatt, payloadPatt]),
      boolean: () => BooleanShape,
      number: () => NumberShape,
      bigint: (limits = undefined) => (limits ? makeLimitsMatcher('match:bigint', [limits]) : BigIntShape),
      nat: (limits = undefined) => (limits ? makeLimitsMatcher('match:nat', [limits]) : NatShape),
      string: (limits = undefined) => (limits ? makeLimitsMatcher('match:string', [limits]) : StringShape),
      symbol: (limits = undefined) => (limits ? makeLimitsMatcher('match:symbol', [limits]) : SymbolShape),
      record: (limits = undefined) => (limits ? M.recordOf(AnyShape, AnyShape, limits) : RecordShape),
      array: (limits = undefined) => (limits ? M.arrayOf(AnyShape, limits) : ArrayShape),
      byteArray: (limits = undefined) => makeLimitsMatcher('match:byteArray', [limits]),
      set: (limits = undefined) => (limits ? M.setOf(AnyShape, limits) : SetShape),
      bag: (limits = undefined) => (limits ? M.bagOf(AnyShape, AnyShape, limits) : BagShape),
      map: (limits = undefined) => (limits ? M.mapOf(AnyShape, AnyShape, limits) : MapShape),
      remotable: (label = undefined) =>
        label === undefined ? RemotableShape : makeMatcher('match:remotable', { label }),
      error: () => ErrorShape,
      promise: () => PromiseShape,
      undefined: () => UndefinedShape,
      null: () => null,
      lt: operand => makeMatcher('match:lt', operand),
      lte: operand => makeMatcher('match:lte', operand),
      eq: key => {
        assertKey(harden(key));
        return key === undefined ? UndefinedShape : key;
      },
      neq: key => M.not(M.eq(key)),
      gte: operand => makeMatcher('match:gte', operand),
      gt: operand => makeMatcher('match:gt', operand),
      recordOf: (keyPatt = AnyShape, valuePatt = AnyShape, limits = undefined) =>
        makeLimitsMatcher('match:recordOf', [keyPatt, valuePatt, limits]),
      arrayOf: (subPatt = AnyShape, limits = undefined) =>
        makeLimitsMatcher('match:arrayOf', [subPatt, limits]),
      setOf: (keyPatt = AnyShape, limits = undefined) =>
        makeLimitsMatcher('match:setOf', [keyPatt, limits]),
      bagOf: (keyPatt = AnyShape, countPatt = AnyShape, limits = undefined) =>
        makeLimitsMatcher('match:bagOf', [keyPatt, countPatt, limits]),
      mapOf: (keyPatt = AnyShape, valuePatt = AnyShape, limits = undefined) =>
        makeLimitsMatcher('match:mapOf', [keyPatt, valuePatt, limits]),
      containerHas: (elementPatt = AnyShape, countPatt = 1n, limits = undefined) =>
        makeLimitsMatcher('match:containerHas', [elementPatt, countPatt, limits]),
      splitArray: (base, optional = undefined, rest = undefined) =>
        makeMatcher('match:splitArray', splitPayload([], base, optional, rest)),
      splitRecord: (base, optional = undefined, rest = undefined) =>
        makeMatcher('match:splitRecord', splitPayload({}, base, optional, rest)),
      split: (base, rest = undefined) =>
        isArray(base)
          ? M.splitArray(base, rest && [], rest)
          : M.splitRecord(base, rest && {}, rest),
      partial: (base, rest = undefined) =>
        isArray(base) ? M.splitArray([], base, rest) : M.splitRecord({}, base, rest),
      eref: patt => M.or(patt, PromiseShape),
      opt: patt => M.or(UndefinedShape, patt),
      interface: makeInterfaceGuard,
      call: (...argGuards) => makeMethodGuardMaker('sync', harden(argGuards), undefined, undefined),
      callWhen: (...argGuards) => makeMethodGuardMaker('async', harden(argGuards), undefined, undefined),
      await: argPattern => {
        checkArgGuard('M.await', argPattern, false);
        return makeTagged('guard:awaitArgGuard', harden({ argGuard: argPattern }));
      },
      raw: () => RawGuard,
    };
    harden(M);

    const patternsModule = harden({
      M,
      mustMatch,
      matches,
      isPattern,
      assertPattern,
      isKey,
      assertKey,
      isScalarKey,
      assertScalarKey,
      keyEQ,
      compareKeys,
      keyLT: (a, b) => compareKeys(a, b) < 0,
      keyLTE: (a, b) => compareKeys(a, b) <= 0,
      keyGT: (a, b) => compareKeys(a, b) > 0,
      keyGTE: (a, b) => compareKeys(a, b) >= 0,
      kindOf,
      makeCopySet,
      makeCopyMap,
      makeCopyBag,
      makeCopyBagFromElements,
      isCopySet,
      isCopyMap,
      isCopyBag,
      getCopySetKeys,
      getCopyMapKeys,
      getCopyMapValues,
      getCopyMapEntries,
      getCopyBagEntries,
      getInterfaceGuardPayload,
      getMethodGuardPayload,
      getAwaitArgGuardPayload,
      getInterfaceMethodKeys,
      isRawGuard,
      isAwaitArgGuard,
    });
    // What exo.js and store.js build on.
    const patternKit = {
      problem,
      checkMatch,
      relabel,
      show,
      isRawGuard,
      isAwaitArgGuard,
      isAnyPatt,
      parseInterfaceGuard,
      compareRank,
      scalarProblem,
      styleOf,
      matches,
      mustMatch,
      assertPattern,
      makeCopySet,
      makeCopyMap,
      isCopySet,
      isCopyMap,
      getCopySetKeys,
      getCopyMapEntries,
    };
    return { M, patternsModule, patternKit };
  };

  return makePatternKit();
});
