// vat-code corpus: the bootstrap vat. It relays the host's calls to the
// other vats (call) and runs the checks that need two vats: values sent to
// bob and back, identities, promises settled later, E's semantics, errors
// and values that cannot pass.
import { E } from '@endo/eventual-send';
import { Far } from '@endo/far';
import { passStyleOf, makeTagged } from '@endo/marshal';
import { makePromiseKit } from '@endo/promise-kit';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

// same compares passables by structure; remotables and promises by
// identity. NaN equals NaN, and 0 equals -0 (which arrives as 0).
const same = (a, b) => {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const sa = passStyleOf(a);
  if (sa !== passStyleOf(b)) return false;
  switch (sa) {
    case 'copyArray':
      return a.length === b.length && a.every((x, i) => same(x, b[i]));
    case 'copyRecord': {
      const ka = Object.keys(a).sort();
      const kb = Object.keys(b).sort();
      return same(harden(ka), harden(kb)) && ka.every(k => same(a[k], b[k]));
    }
    case 'tagged':
      return a[Symbol.toStringTag] === b[Symbol.toStringTag] && same(a.payload, b.payload);
    case 'error':
      return a.name === b.name && a.message === b.message;
    default:
      return false;
  }
};

export function buildRootObject() {
  let vats;
  const mine = makeDefaultExo('alice-thing', { hi: () => 'hi from alice' });

  // The values alice makes herself and sends to bob and back.
  const jsValues = () =>
    harden({
      undefined,
      null: null,
      true: true,
      number: 1.5,
      negative: -7,
      nan: NaN,
      infinity: Infinity,
      minusInfinity: -Infinity,
      minusZero: -0,
      bigint: 12345678901234567890n,
      negativeBigint: -5n,
      string: 'plain',
      specials: ['#hash', '$dollar', '!bang', '%percent', '&amp', '+plus', '-minus', ''],
      specialKeys: { '#k': 1, $k: 2, '!k': 3, '%k': 4, '&k': 5, '+k': 6, '-k': 7 },
      registered: Symbol.for('vc.registered'),
      wellKnown: Symbol.iterator,
      asyncIterator: Symbol.asyncIterator,
      undefinedInside: [undefined, { u: undefined }],
      nested: { list: [1, [2, [3, { deep: 'yes' }]]] },
      tagged: makeTagged('vc-tag', harden({ payload: [1, 'two'] })),
      error: new RangeError('sent as a value'),
    });

  return makeDefaultExo('root', {
    bootstrap(given) {
      vats = given;
      return 'alice is ready';
    },
    // call(vat, method, ...args) sends to another vat's root and answers its
    // result.
    call(name, method, ...args) {
      return E(vats[name])[method](...args);
    },
    // roundTrip sends what the host gave to bob and answers what came back,
    // with whether it is the same and how bob saw it.
    async roundTrip(value) {
      const back = await E(vats.bob).echo(value);
      const seen = await E(vats.bob).describe(value);
      return harden({ back, same: same(value, back), seen });
    },
    // jsRoundTrip does the same with the values alice makes.
    async jsRoundTrip() {
      const values = jsValues();
      const out = {};
      for (const [k, v] of Object.entries(values)) {
        const back = await E(vats.bob).echo(v);
        out[k] = same(v, back) && (k !== 'minusZero' || Object.is(back, 0));
      }
      out.allFrozenAtBob = await E(vats.bob).frozenArgs(values, mine, Promise.resolve(1));
      const back = await E(vats.bob).echo(values);
      out.whole = same(values, back);
      out.frozenHere = Object.isFrozen(back) && Object.isFrozen(back.nested.list[1]);
      return harden(out);
    },
    jsValues,
    async identity() {
      const bob = vats.bob;
      const t1 = await E(bob).thing();
      const t2 = await E(bob).thing();
      await E(bob).remember(mine);
      return harden({
        ownComesBack: (await E(bob).echo(mine)) === mine,
        ownInARecord: (await E(bob).echo(harden({ m: mine }))).m === mine,
        presenceSameEachTime: t1 === t2,
        presenceIface: String(t1),
        presenceStyle: passStyleOf(t1),
        bobKeepsIdentity: await E(bob).isRemembered(mine),
        sameInOneMessage: await E(bob).same(mine, mine),
        presenceCall: await E(t1).hi(),
        carolGetsTheSamePresence: await E(vats.carol).same(t1, t1),
      });
    },
    async promises() {
      const bob = vats.bob;
      const { p } = await E(bob).laterRecord();
      const style = passStyleOf(p);
      const pending = E(bob).later();
      const settled = await E(bob).settle(harden({ n: 1 }));
      const kit = makePromiseKit();
      const got = E(bob).awaitArg(kit.promise);
      kit.resolve('resolved by alice later');
      // A promise that resolves to a presence, sent to bob.
      const kit2 = makePromiseKit();
      const got2 = E(bob).awaitArg(kit2.promise);
      kit2.resolve(mine);
      const [, presence] = await got2;
      return harden({
        style,
        fromRecord: await p,
        direct: await pending,
        settled,
        awaitArg: await got,
        presenceBack: presence === mine,
      });
    },
    async eSemantics() {
      const order = [];
      const local = makeDefaultExo('local', {
        m(x) {
          order.push(`method ${x}`);
          return `local ${x}`;
        },
      });
      const p = E(local).m(1);
      order.push('after E');
      const local1 = await p;
      const bobThing = await E(vats.bob).thing();
      const kit = makePromiseKit();
      const viaPromise = E(kit.promise).hi();
      kit.resolve(bobThing);
      const kit2 = makePromiseKit();
      const viaPromiseLocal = E(kit2.promise).m(2);
      kit2.resolve(local);
      const far = Far('far', { twice: x => x * 2 });
      const before = await E(vats.bob).pokes();
      const sendOnly = E.sendOnly(vats.bob).poke();
      const after = await E(vats.bob).pokes();
      return harden({
        order,
        local: local1,
        viaPromisePresence: await viaPromise,
        viaPromiseLocal: await viaPromiseLocal,
        far: await E(far).twice(21),
        sendOnlyAnswer: sendOnly === undefined ? 'undefined' : typeof sendOnly,
        pokes: after - before,
        get: await E.get(harden({ a: 5 })).a,
        when: await E.when(Promise.resolve(2), v => v * 3),
      });
    },
    // guardedAcrossVats sends mod's guarded root a promise, which its
    // M.callWhen(M.await(...)) guard waits for, then checks.
    async guardedAcrossVats() {
      const good = makePromiseKit();
      const bad = makePromiseKit();
      const r1 = E(vats.mod).whenReady(good.promise);
      const r2 = E(vats.mod).whenReady(bad.promise);
      good.resolve('later');
      bad.resolve(5);
      let second;
      try {
        second = await r2;
      } catch (e) {
        second = `${e.name}: ${e.message}`;
      }
      return harden([await r1, second]);
    },
    async errors() {
      const out = {};
      for (const kind of ['range', 'custom', 'engine', 'string']) {
        try {
          await E(vats.bob).throwIt(kind);
          out[kind] = 'resolved';
        } catch (e) {
          out[kind] = harden({
            name: e && e.name,
            message: e instanceof Error ? e.message : e,
            isError: e instanceof Error,
            frozen: Object.isFrozen(e),
          });
        }
      }
      try {
        await E(vats.bob).throwLater();
      } catch (e) {
        out.later = `${e.name}: ${e.message}`;
      }
      const made = await E(vats.bob).makeError();
      out.asValue = harden({ name: made.name, message: made.message, style: passStyleOf(made) });
      return harden(out);
    },
    async nonPassable() {
      const out = {};
      for (const kind of ['function', 'instance', 'getter', 'unhardened-function', 'unhardened-data']) {
        try {
          out[kind] = await E(vats.bob).badResult(kind);
        } catch (e) {
          out[kind] = `${e.name}: ${e.message}`;
        }
      }
      try {
        await E(vats.bob).badResultLater();
      } catch (e) {
        out.later = `${e.name}: ${e.message}`;
      }
      const local = makeDefaultExo('local', { takes: x => typeof x });
      try {
        await E(local).takes(() => 1);
      } catch (e) {
        out.localArgument = `${e.name}: ${e.message}`;
      }
      try {
        await E(vats.bob).echo(() => 1);
      } catch (e) {
        out.remoteArgument = `${e.name}: ${e.message}`;
      }
      return harden(out);
    },
  });
}
