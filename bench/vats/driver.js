// The bench's driving vat: each method is one workload, run inside the
// vat so that the host's call costs one round trip however many messages
// the workload sends. Its vats and services come from bootstrap.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject() {
  let vats = {};
  let services = {};
  // The targets of a fan-out: every vat but this one, by name.
  const targets = () =>
    Object.keys(vats)
      .filter((name) => name !== 'alice')
      .sort()
      .map((name) => vats[name]);
  return makeDefaultExo('root', {
    bootstrap(v, s) {
      vats = v;
      services = s ?? {};
      return 'ready';
    },
    // redeem makes the object an ocap URL names (on another kernel: a
    // presence of it) the vat called name, so that bob may live elsewhere.
    // It needs the ocapURLRedemptionService.
    async redeem(name, url) {
      vats = { ...vats, [name]: await E(services.ocapURLRedemptionService).redeem(url) };
      return name;
    },
    // n round trips, one after another: each waits for the answer of the last.
    async pingPong(n) {
      let last = 0;
      for (let i = 0; i < n; i += 1) {
        last = await E(vats.bob).ping(i);
      }
      return last;
    },
    // n sends queued on one unresolved promise (bob's hold), which bob
    // resolves to an object only when release arrives after all of them.
    async pipelined(n) {
      const held = E(vats.bob).hold();
      const answers = [];
      for (let i = 0; i < n; i += 1) {
        answers.push(E(held).ping(i));
      }
      E(vats.bob).release();
      await Promise.all(answers);
      return n;
    },
    // rounds of one message to each of the first count targets at once,
    // each round awaiting all its answers.
    async fanout(count, rounds) {
      const to = targets().slice(0, count);
      if (to.length < count) {
        throw Error(`fanout: ${count} targets wanted, ${to.length} in the cluster`);
      }
      for (let r = 0; r < rounds; r += 1) {
        await Promise.all(to.map((t) => E(t).ping(r)));
      }
      return count * rounds;
    },
    // n calls of the kernel service bench, one after another.
    async callService(n) {
      let last = 0;
      for (let i = 0; i < n; i += 1) {
        last = await E(services.bench).add(i, 1);
      }
      return last;
    },
    // n messages to bob, one after another, each carrying a string of size
    // characters (ASCII, so as many bytes).
    async bytes(n, size) {
      const s = 'x'.repeat(size);
      let total = 0;
      for (let i = 0; i < n; i += 1) {
        total += await E(vats.bob).take(s);
      }
      return total;
    },
  });
}
