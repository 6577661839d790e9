// vat-code corpus: the module surface built into the worker, as TypeScript
// written for the JavaScript kernel uses it: exos with interface guards,
// patterns, stores, marshal helpers, promise kits, the assert global, a
// relative .ts import and a JSON import. Its own root has an interface
// guard (makeDefaultExo's third argument), so calls from other vats and
// from the host are checked against it.
import { E } from '@endo/eventual-send';
import { Far, E as FarE } from '@endo/far';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';
import * as kernelUtils from '@metamask/kernel-utils';
import { makeExo, defineExoClass, defineExoClassKit } from '@endo/exo';
import { M, mustMatch, matches } from '@endo/patterns';
import { passStyleOf, makeTagged } from '@endo/marshal';
import { makePromiseKit } from '@endo/promise-kit';
import {
  makeScalarMapStore,
  makeScalarSetStore,
  makeScalarWeakMapStore,
  makeScalarWeakSetStore,
} from '@agoric/store';
import type { Baggage } from '@metamask/ocap-kernel';
import type * as OcapKernel from '@metamask/ocap-kernel';
import { Color, Greeter, double, type Doubler, type Named } from './vc-helper.ts';
import data from './vc-data.json';

type Outcome = string | number | boolean | null | undefined | Outcome[] | { [k: string]: Outcome };

// attempt runs f and answers its result, or the message of what it threw.
const attempt = (f: () => unknown): unknown => {
  try {
    return f();
  } catch (e) {
    return `threw ${(e as Error).name}: ${(e as Error).message}`;
  }
};
const attemptLater = async (f: () => Promise<unknown>): Promise<unknown> => {
  try {
    return await f();
  } catch (e) {
    return `rejected ${(e as Error).name}: ${(e as Error).message}`;
  }
};

const UpCounterI = M.interface('UpCounter', {
  incr: M.call().optional(M.and(M.number(), M.gte(0))).returns(M.number()),
});

const ShapesI = M.interface('Shapes', {
  str: M.call(M.string()).returns(M.string()),
  num: M.call(M.number()).returns(M.number()),
  big: M.call(M.bigint()).returns(M.bigint()),
  bool: M.call(M.boolean()).returns(M.boolean()),
  any: M.call(M.any()).returns(M.any()),
  rec: M.call(M.record()).returns(M.record()),
  arr: M.call(M.array()).returns(M.array()),
  strings: M.call(M.arrayOf(M.string())).returns(M.number()),
  remote: M.call(M.remotable('Thing')).returns(M.string()),
  shaped: M.call(M.splitRecord({ name: M.string() }, { age: M.number() })).returns(M.string()),
  exact: M.call({ name: M.string(), age: M.opt(M.number()) }).returns(M.string()),
  opt: M.call(M.string()).optional(M.opt(M.number())).returns(M.string()),
  rest: M.call(M.string()).rest(M.arrayOf(M.number())).returns(M.number()),
  lies: M.call().returns(M.string()),
  later: M.callWhen(M.await(M.string())).returns(M.string()),
  laterBad: M.callWhen().returns(M.number()),
});

export function buildRootObject(
  _vatPowers: unknown,
  _parameters: Record<string, unknown>,
  _baggage: Baggage,
) {
  const thing = makeDefaultExo('Thing', { hi: (): string => 'hi' });

  const shapes = makeExo('Shapes', ShapesI, {
    str: (s: string) => s.toUpperCase(),
    num: (n: number) => n + 1,
    big: (b: bigint) => b * 2n,
    bool: (b: boolean) => !b,
    any: (x: unknown) => x,
    rec: (r: Record<string, unknown>) => r,
    arr: (a: unknown[]) => a,
    strings: (list: string[]) => list.length,
    remote: (t: { hi(): string }) => t.hi(),
    shaped: ({ name, age }: { name: string; age?: number }) => `${name}:${age ?? '?'}`,
    exact: ({ name, age }: { name: string; age?: number }) => `${name}:${age ?? '?'}`,
    opt: (s: string, n?: number) => `${s}${n ?? ''}`,
    rest: (_s: string, ...ns: number[]) => ns.reduce((a, b) => a + b, 0),
    lies: () => 42 as unknown as string,
    later: async (s: string) => `later ${s}`,
    laterBad: async () => 'not a number' as unknown as number,
  });

  const guardChecks = async (): Promise<Record<string, unknown>> => {
    let x = 3;
    const upCounter = makeExo('upCounter', UpCounterI, {
      incr(y = 1) {
        x += y;
        return x;
      },
    });
    const makeCounter = defineExoClass(
      'Counter',
      UpCounterI,
      (start = 0) => ({ count: start }),
      {
        incr(this: { state: { count: number }; self: unknown }, y = 1) {
          this.state.count += y;
          return this.state.count;
        },
      },
    );
    const c = makeCounter(10);
    const makeKit = defineExoClassKit(
      'Gauge',
      {
        up: UpCounterI,
        down: M.interface('DownCounter', { decr: M.call().returns(M.number()) }),
      },
      (start = 0) => ({ value: start }),
      {
        up: {
          incr(this: any, y = 1) {
            this.state.value += y;
            return this.state.value;
          },
        },
        down: {
          decr(this: any) {
            this.state.value -= 1;
            return this.facets.up.incr(0);
          },
        },
      },
    );
    const kit = makeKit(5);
    const thirdArg = makeDefaultExo(
      'WithGuard',
      { greet: (name: string) => `hello ${name}` },
      M.interface('WithGuard', { greet: M.call(M.string()).returns(M.string()) }),
    );
    return {
      makeExo: [upCounter.incr(5), attempt(() => upCounter.incr(-3)), attempt(() => upCounter.incr('foo' as any))],
      extraArgs: attempt(() => (upCounter.incr as any)(1, 2)),
      defineExoClass: [c.incr(), c.incr(5), attempt(() => c.incr(-1)), String(c)],
      defineExoClassKit: [kit.up.incr(2), kit.down.decr(), attempt(() => kit.up.incr(-1)), String(kit.down)],
      thirdArgument: [thirdArg.greet('bob'), attempt(() => thirdArg.greet(5 as any))],
      unguarded: attempt(() =>
        makeExo('Strict', M.interface('Strict', {}), { extra: () => 1 })),
      unimplemented: attempt(() =>
        makeExo('Missing', M.interface('Missing', { gone: M.call().returns() }), {})),
      unfinished: attempt(() => M.interface('Unfinished', { m: (M.call() as any) })),
      shapes: [
        shapes.str('abc'),
        attempt(() => shapes.str(1 as any)),
        attempt(() => shapes.num('1' as any)),
        shapes.big(21n),
        attempt(() => shapes.big(1 as any)),
        attempt(() => shapes.bool('yes' as any)),
        attempt(() => shapes.any((() => 1) as any)),
        attempt(() => shapes.rec([] as any)),
        attempt(() => shapes.arr({} as any)),
        shapes.strings(['a', 'b']),
        attempt(() => shapes.strings(['a', 2] as any)),
        shapes.remote(thing),
        attempt(() => shapes.remote('thing' as any)),
        shapes.shaped({ name: 'ann' }),
        shapes.shaped({ name: 'ann', age: 3 }),
        attempt(() => shapes.shaped({ name: 'ann', extra: 1 } as any)),
        attempt(() => shapes.shaped({ age: 3 } as any)),
        shapes.exact({ name: 'bo', age: undefined }),
        attempt(() => shapes.exact({ name: 'bo' })),
        shapes.opt('s'),
        shapes.opt('s', 1),
        attempt(() => shapes.opt('s', 'x' as any)),
        attempt(() => (shapes.opt as any)()),
        shapes.rest('s', 1, 2, 3),
        attempt(() => shapes.rest('s', 1, 'x' as any)),
        attempt(() => shapes.lies()),
      ],
      callWhen: [
        await shapes.later(Promise.resolve('x') as any),
        await attemptLater(() => shapes.later(Promise.resolve(5) as any)),
        await attemptLater(() => shapes.laterBad()),
        shapes.later('y') instanceof Promise,
      ],
      guardOf: passStyleOf(upCounter.__getInterfaceGuard__()),
      patterns: [
        matches(3, M.number()),
        matches('3', M.number()),
        matches(harden([1, 2]), M.arrayOf(M.number())),
        matches(undefined, M.opt(M.string())),
        matches(5n, M.nat()),
        matches(-5n, M.nat()),
        matches(harden({ a: 1 }), M.splitRecord({ a: M.number() })),
        matches(thing, M.remotable()),
        matches('b', M.or('a', 'b')),
        matches(2, M.lt(1)),
        attempt(() => mustMatch(harden({ a: [1, 'x'] }), harden({ a: M.arrayOf(M.number()) }), 'input')),
        attempt(() => mustMatch('x', M.not(M.string()))),
        attempt(() => mustMatch(7, M.or(M.string(), M.boolean()))),
      ],
    };
  };

  const storeChecks = (): Record<string, unknown> => {
    const map = makeScalarMapStore<string | number, unknown>('thing');
    map.init('b', 2);
    map.init('a', harden({ one: 1 }));
    map.init(3, 'three');
    map.set('b', 20);
    const set = makeScalarSetStore<string>('names', { keyShape: M.string() });
    set.add('x');
    set.add('y');
    set.add('x');
    const weak = makeScalarWeakMapStore<object, string>('weak');
    weak.init(thing, 'the thing');
    const weakSet = makeScalarWeakSetStore<object>();
    weakSet.add(thing);
    const keyed = makeScalarMapStore('keyed', { keyShape: M.string(), valueShape: M.number() });
    return {
      map: [map.keys(), map.values(), map.entries(), map.getSize(), map.has('a'), map.get('b'), String(map)],
      mapErrors: [
        attempt(() => map.init('a', 5)),
        attempt(() => map.get('zz')),
        attempt(() => map.set('zz', 1)),
        attempt(() => map.delete('zz')),
        attempt(() => map.init(harden({ x: 1 }) as any, 5)),
        attempt(() => map.init('f', () => 1)),
        attempt(() => keyed.init(1 as any, 1)),
        attempt(() => keyed.init('k', 'v' as any)),
      ],
      snapshot: map.snapshot(),
      afterDelete: (() => {
        map.delete('a');
        return map.keys();
      })(),
      set: [set.keys(), set.getSize(), set.has('x'), set.snapshot(), attempt(() => set.add(1 as any))],
      weak: [weak.get(thing), weak.has(thing), weak.has('nope'), attempt(() => weak.init('k' as any, 'v'))],
      weakSet: [weakSet.has(thing), attempt(() => weakSet.add('k' as any)), String(weakSet)],
    };
  };

  const assertChecks = (): unknown[] => {
    const { details: X, quote: q, Fail } = assert;
    return [
      typeof assert,
      attempt(() => assert(1 + 1 === 2)),
      attempt(() => assert(false)),
      attempt(() => assert(false, 'custom message')),
      attempt(() => assert.equal(1, 2)),
      attempt(() => assert.typeof(5, 'string')),
      attempt(() => assert.string(5)),
      attempt(() => assert.fail()),
      attempt(() => assert(false, X`shown ${q('quoted')} hidden ${'redacted'}`)),
      attempt(() => Fail`failed with ${q(harden({ a: 1 }))}`),
      attempt(() => assert(false, X`typed`, RangeError)),
    ];
  };

  const named: Named = new Greeter('vc');
  const doubler: Doubler = double;

  return makeDefaultExo(
    'root',
    {
      // modules answers, per module, whether the names vat code imports
      // from it are there.
      modules(): Record<string, boolean> {
        const fns = (...xs: unknown[]) => xs.every(x => typeof x === 'function');
        return {
          eventualSend: fns(E, E.when, E.get, E.sendOnly),
          far: fns(Far, FarE) && FarE === E,
          exo: fns(makeDefaultExo),
          kernelUtils: fns(kernelUtils.makeDefaultExo, kernelUtils.makeDefaultInterface),
          endoExo: fns(makeExo, defineExoClass, defineExoClassKit),
          patterns: fns(M.interface, M.call, M.callWhen, M.await, M.any, M.string, M.number, M.bigint,
            M.boolean, M.remotable, M.record, M.array, M.opt, M.arrayOf, mustMatch, matches),
          marshal: fns(passStyleOf, makeTagged),
          promiseKit: fns(makePromiseKit),
          store: fns(makeScalarMapStore, makeScalarSetStore, makeScalarWeakMapStore, makeScalarWeakSetStore),
          assert: fns(assert, assert.equal, assert.typeof, assert.fail, assert.string, assert.details, assert.Fail),
        };
      },
      // exoShape describes a plain makeDefaultExo.
      exoShape() {
        const counter = makeDefaultExo('counter', { up: () => 1, down: () => -1 });
        return {
          iface: String(counter),
          style: passStyleOf(counter),
          frozen: Object.isFrozen(counter),
          keys: Object.keys(counter),
          addProperty: attempt(() => {
            (counter as any).extra = 1;
          }),
          thisIsContext: makeDefaultExo('ctx', {
            self(this: { self: unknown }) {
              return this.self;
            },
          }).self() !== undefined,
          counter,
        };
      },
      guardChecks,
      storeChecks,
      assertChecks,
      helpers(): unknown[] {
        return [doubler(21), data.answer, data.list, Color.Green, named.name, new Greeter('a').greet()];
      },
      tagged: () => makeTagged('vc-tag', harden([1, 2])),
      // Guarded by the interface below.
      add: (a: number, b: number): number => a + b,
      greet: (who: string, greeting?: string): string => `${greeting ?? 'hello'} ${who}`,
      async whenReady(p: Promise<string>): Promise<string> {
        return `ready: ${p}`;
      },
      badResult: (): string => 7 as unknown as string,
    },
    M.interface(
      'root',
      {
        add: M.call(M.number(), M.number()).returns(M.number()),
        greet: M.call(M.string()).optional(M.string()).returns(M.string()),
        whenReady: M.callWhen(M.await(M.string())).returns(M.string()),
        badResult: M.call().returns(M.string()),
      },
      { defaultGuards: 'passable' },
    ),
  );
}

// Types the module only mentions, so that they compile away.
export type Unused = OcapKernel.ClusterConfig | Outcome;
