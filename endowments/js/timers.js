// timers.js: the vat's setTimeout family. Callbacks live here, deadlines
// in Go (timers.go), which calls fire(id) on the vat's event loop. Handles
// are numbers, as in browsers; each vat has its own runtime, so it can only
// ever name (and clear) its own timers.
(function timersModule(lib) {
  'use strict';

  const { harden, report } = lib.common;
  const host = lib.host_timers;
  const { apply } = Reflect;
  const { floor } = Math;

  // The largest delay browsers honour (2^31-1 ms); longer ones are clamped.
  const maxDelay = 2147483647;
  const timers = new Map(); // id -> { fn, args, repeat, delay, level }
  let nextId = 1;
  // nesting is the level of the timer whose callback is running (0 outside
  // any): as in HTML, timers nested more than 5 deep wait at least 4 ms, so
  // a vat cannot spin the kernel with zero-delay chains.
  let nesting = 0;

  const toDelay = delay => {
    const d = Number(delay);
    if (!(d > 0)) return 0;
    return d > maxDelay ? maxDelay : floor(d);
  };

  const clamp = (delay, level) => (level > 5 && delay < 4 ? 4 : delay);

  const start = (what, handler, delay, args, repeat) => {
    if (typeof handler !== 'function') {
      throw new TypeError(`${what}: the callback must be a function (strings are not evaluated)`);
    }
    const level = nesting + 1;
    const d = clamp(toDelay(delay), level);
    const id = nextId;
    nextId += 1;
    if (!host.schedule(id, d)) {
      throw new RangeError(`${what}: too many pending timers (a vat may have ${host.max})`);
    }
    timers.set(id, { fn: handler, args, repeat, delay: d, level });
    return id;
  };

  const clear = id => {
    const n = Number(id);
    if (timers.delete(n)) host.cancel(n);
  };

  // fire runs one timer's callback as its own turn (Go enqueued it).
  const fire = id => {
    const t = timers.get(id);
    if (t === undefined) return; // cleared meanwhile
    if (t.repeat) {
      t.level += 1;
      host.schedule(id, clamp(t.delay, t.level));
    } else {
      timers.delete(id);
    }
    const saved = nesting;
    nesting = t.level;
    try {
      apply(t.fn, undefined, t.args);
    } catch (e) {
      report('a timer callback', e);
    } finally {
      nesting = saved;
    }
  };

  const setTimeout = function setTimeout(handler, timeout = 0, ...args) {
    return start('setTimeout', handler, timeout, args, false);
  };
  const setInterval = function setInterval(handler, timeout = 0, ...args) {
    return start('setInterval', handler, timeout, args, true);
  };
  const clearTimeout = function clearTimeout(id = undefined) {
    clear(id);
  };
  const clearInterval = function clearInterval(id = undefined) {
    clear(id);
  };

  // For other endowments (AbortSignal.timeout): a one-shot timer whose
  // callback is ours, not the vat's.
  const startInternal = (fn, delay) => start('AbortSignal.timeout', fn, delay, [], false);

  return harden({ setTimeout, clearTimeout, setInterval, clearInterval, fire, startInternal });
});
