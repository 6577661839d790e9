// vat-code corpus: the peer vat ("bob", and "carol" from the same source).
// It echoes what it is sent, says how it arrived, keeps references to
// compare identities, settles promises when asked, throws on request and
// answers with values that cannot pass.
import { E } from '@endo/eventual-send';
import { passStyleOf } from '@endo/marshal';
import { makePromiseKit } from '@endo/promise-kit';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

// deepFrozen: x and everything reachable from its own properties is frozen.
const deepFrozen = x => {
  if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return true;
  if (!Object.isFrozen(x)) return false;
  return Reflect.ownKeys(x).every(k => {
    const desc = Object.getOwnPropertyDescriptor(x, k);
    return !('value' in desc) || deepFrozen(desc.value);
  });
};

class MyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'MyError';
  }
}

export function buildRootObject(_vatPowers, parameters) {
  const name = parameters.name ?? 'peer';
  const thing = makeDefaultExo('thing', { hi: () => `hi from ${name}'s thing` });
  let kept;
  let pending = [];
  let pokes = 0;

  return makeDefaultExo('root', {
    name: () => name,
    echo: x => x,
    echoArgs: (...args) => harden(args),
    describe: x => harden({ style: passStyleOf(x), type: typeof x, frozen: deepFrozen(x) }),
    frozenArgs: (...args) => args.every(deepFrozen),
    remember(x) {
      kept = x;
      return true;
    },
    isRemembered: x => x === kept,
    same: (a, b) => a === b,
    thing: () => thing,
    makeThing: label => makeDefaultExo(label, { label: () => label }),
    call: (target, method, ...args) => E(target)[method](...args),
    // laterRecord answers at once with a promise that settle() resolves.
    laterRecord() {
      const kit = makePromiseKit();
      pending.push(kit);
      return harden({ p: kit.promise });
    },
    // later answers a promise that settle() resolves.
    later() {
      const kit = makePromiseKit();
      pending.push(kit);
      return kit.promise;
    },
    settle(value) {
      const n = pending.length;
      for (const kit of pending) kit.resolve(value);
      pending = [];
      return n;
    },
    async awaitArg(p) {
      const v = await p;
      return harden(['got', v, passStyleOf(p)]);
    },
    poke() {
      pokes += 1;
    },
    pokes: () => pokes,
    throwIt(kind) {
      switch (kind) {
        case 'range':
          throw new RangeError('bad range');
        case 'custom':
          throw new MyError('my own error');
        case 'engine':
          return undefined.field;
        case 'string':
          // eslint-disable-next-line no-throw-literal
          throw 'a plain string';
        default:
          throw Error(`unknown kind ${kind}`);
      }
    },
    async throwLater() {
      await null;
      throw new TypeError('rejected later');
    },
    makeError: () => harden(new TypeError('an error as a value')),
    badResult(kind) {
      switch (kind) {
        case 'function':
          return () => 'no';
        case 'instance':
          return new (class Point {
            constructor() {
              this.x = 1;
            }
          })();
        case 'getter':
          return {
            get secret() {
              return 42;
            },
          };
        case 'unhardened-function':
          return { ok: 1, fn: () => 1 };
        case 'unhardened-data':
          return { ok: 1, list: [1, 2] };
        default:
          throw Error(`unknown kind ${kind}`);
      }
    },
    async badResultLater() {
      await null;
      return () => 'no';
    },
    mutateIntrinsic() {
      Array.prototype.push = () => 0;
      return 'mutated';
    },
  });
}
