// Alice resolves promises of her own to each other within one delivery.
import { E } from '@endo/eventual-send';
import { makePromiseKit } from '@endo/promise-kit';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

const pair = () => {
  const a = makePromiseKit();
  const b = makePromiseKit();
  a.resolve(b.promise);
  b.resolve(a.promise);
  return [a.promise, b.promise];
};

const ring = () => {
  let resolveA;
  let resolveB;
  let resolveC;
  const a = new Promise(r => {
    resolveA = r;
  });
  const b = new Promise(r => {
    resolveB = r;
  });
  const c = new Promise(r => {
    resolveC = r;
  });
  resolveA(b);
  resolveB(c);
  resolveC(a);
  return [a, b, c];
};

export function buildRootObject() {
  let bob;
  let kept;
  const pending = new Set();
  return makeDefaultExo('root', {
    bootstrap(vats) {
      bob = vats.bob;
    },
    pairResult() {
      return pair()[0];
    },
    ringResult() {
      return ring()[1];
    },
    selfResult() {
      const a = makePromiseKit();
      a.resolve(a.promise);
      return a.promise;
    },
    // Bob gets both and answers with whichever settles first.
    sendPair() {
      return E(bob).take(...pair());
    },
    cycleLater() {
      const a = makePromiseKit();
      setTimeout(() => {
        const b = makePromiseKit();
        a.resolve(b.promise);
        b.resolve(a.promise);
      }, 1);
      return a.promise;
    },
    // A cycle no other vat sees stays pending, as JavaScript has it.
    keepLocal() {
      kept = pair();
      for (const p of kept) {
        pending.add(p);
        p.then(
          () => pending.delete(p),
          () => pending.delete(p),
        );
      }
      return 'kept';
    },
    localStillPending() {
      return kept.every(p => pending.has(p));
    },
    hello() {
      return 'hi';
    },
  });
}
