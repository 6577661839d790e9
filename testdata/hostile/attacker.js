// The attacker: each method is one way a vat's own code tries to exhaust or
// stall the kernel. The suite in hostile_e2e_test.go calls them one by one.
import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';

export function buildRootObject(vatPowers, parameters, baggage) {
  let accomplice;
  let ticking = false;
  let ticks = 0;
  let loops = 0;
  const burn = (ms) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      // busy
    }
  };
  const root = makeDefaultExo('attacker', {
    bootstrap(vats) {
      accomplice = vats.accomplice;
      return 'attacker is ready';
    },
    hello() {
      return 'attacker here';
    },
    // Spins in a delivery.
    spin() {
      for (;;) {
        // spin
      }
    },
    // Spins in a timer callback, between deliveries.
    spinLater() {
      setTimeout(() => {
        for (;;) {
          // spin
        }
      }, 0);
      return 'armed';
    },
    // Burns ms of each delivery (under the limit) and has itself called
    // again through the run queue, n times.
    slowLoop(n, ms) {
      burn(ms);
      loops += 1;
      if (n > 0) {
        E(accomplice).bounce(root, n - 1, ms);
      }
      return 'looping';
    },
    loopCount() {
      return loops;
    },
    // Keeps count timers rescheduling themselves until stopTimers.
    timers(count) {
      ticking = true;
      const tick = () => {
        ticks += 1;
        if (ticking) {
          setTimeout(tick, 0);
        }
      };
      for (let i = 0; i < count; i += 1) {
        setTimeout(tick, 0);
      }
      return 'ticking';
    },
    stopTimers() {
      ticking = false;
      return ticks;
    },
    // Returns a result of mib MiB.
    hugeResult(mib) {
      return 'x'.repeat(mib * 1024 * 1024);
    },
    // Puts count values of mib MiB each in baggage.
    hugeBaggage(count, mib) {
      for (let i = 0; i < count; i += 1) {
        baggage.init(`big${i}`, 'x'.repeat(mib * 1024 * 1024));
      }
      return 'stored';
    },
    // Writes count small baggage entries in one delivery.
    writeStorm(count) {
      for (let i = 0; i < count; i += 1) {
        baggage.init(`w${i}`, i);
      }
      return 'written';
    },
    // Sends count messages in one delivery.
    sendStorm(count) {
      for (let i = 0; i < count; i += 1) {
        E(accomplice).noop();
      }
      return 'sent';
    },
    // Sends count messages whose results never settle, and keeps them.
    hoard(count) {
      for (let i = 0; i < count; i += 1) {
        E(accomplice).never();
      }
      return 'hoarding';
    },
    // Keeps every block it allocates until its worker runs out of memory.
    memoryBomb() {
      const kept = [];
      for (;;) {
        kept.push(new Array(1 << 20).fill(kept.length));
      }
    },
    // Logs count lines of kib KiB.
    logFlood(count, kib) {
      const line = 'x'.repeat(kib * 1024);
      for (let i = 0; i < count; i += 1) {
        console.log(line);
      }
      return 'logged';
    },
  });
  return root;
}
