// abort.js: AbortController and AbortSignal, with the part of EventTarget
// a signal needs (addEventListener('abort'), onabort, dispatchEvent).
// Other endowments (fetch) attach their own abort steps through onAbort,
// which run before the vat's listeners, as the DOM standard orders them.
(function abortModule(lib) {
  'use strict';

  const { DOMException, harden, isObject, report } = lib.common;
  const { apply } = Reflect;

  const token = harden({}); // only this module makes signals
  const signals = new WeakMap(); // AbortSignal -> state

  const state = signal => {
    const s = signals.get(signal);
    if (s === undefined) throw new TypeError('not an AbortSignal');
    return s;
  };

  class Event {
    #type;
    #target;
    #stop = false;

    constructor(type, target) {
      this.#type = String(type);
      this.#target = target;
    }

    get type() {
      return this.#type;
    }

    get target() {
      return this.#target;
    }

    get currentTarget() {
      return this.#target;
    }

    get isTrusted() {
      return true;
    }

    get defaultPrevented() {
      return false;
    }

    preventDefault() {}

    stopPropagation() {}

    stopImmediatePropagation() {
      this.#stop = true;
    }

    static stopped(event) {
      return event.#stop;
    }
  }

  // dispatch calls the listeners of event.type in the order they were
  // added; one that throws is reported and the others still run.
  const dispatch = (signal, event) => {
    const s = state(signal);
    for (const entry of [...s.listeners]) {
      if (entry.removed || entry.type !== event.type) continue;
      if (entry.once) removeEntry(s, entry);
      try {
        const l = entry.listener;
        if (typeof l === 'function') apply(l, signal, [event]);
        else if (isObject(l) && typeof l.handleEvent === 'function') apply(l.handleEvent, l, [event]);
      } catch (e) {
        report(`an "${event.type}" event listener`, e);
      }
      if (event instanceof Event && Event.stopped(event)) break;
    }
  };

  const removeEntry = (s, entry) => {
    entry.removed = true;
    s.listeners = s.listeners.filter(x => x !== entry);
  };

  // signalAbort: the DOM standard's "signal abort".
  const signalAbort = (signal, reason) => {
    const s = state(signal);
    if (s.aborted) return;
    s.aborted = true;
    s.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const dependents = s.dependents.filter(d => !state(d).aborted);
    for (const d of dependents) {
      const ds = state(d);
      ds.aborted = true;
      ds.reason = s.reason;
    }
    runAbortSteps(signal);
    for (const d of dependents) runAbortSteps(d);
  };

  const runAbortSteps = signal => {
    const s = state(signal);
    const steps = [...s.steps];
    s.steps.clear();
    s.dependents = [];
    for (const step of steps) {
      try {
        step(s.reason);
      } catch (e) {
        report('an abort step', e);
      }
    }
    dispatch(signal, new Event('abort', signal));
  };

  const newSignal = () => new AbortSignal(token);

  class AbortSignal {
    constructor(key = undefined) {
      if (key !== token) throw new TypeError('Illegal constructor: use new AbortController().signal');
      signals.set(this, { aborted: false, reason: undefined, listeners: [], handler: null, steps: new Set(), dependents: [] });
    }

    get aborted() {
      return state(this).aborted;
    }

    get reason() {
      return state(this).reason;
    }

    throwIfAborted() {
      const s = state(this);
      if (s.aborted) throw s.reason;
    }

    // onabort is an event handler: it keeps the place in the listener
    // list it got when first set, as in browsers.
    get onabort() {
      const h = state(this).handler;
      return h === null ? null : h.fn;
    }

    set onabort(fn) {
      const s = state(this);
      const callable = typeof fn === 'function' ? fn : null;
      if (callable === null) {
        if (s.handler !== null) removeEntry(s, s.handler.entry);
        s.handler = null;
        return;
      }
      if (s.handler !== null) {
        s.handler.fn = callable;
        return;
      }
      const handler = { fn: callable, entry: undefined };
      handler.entry = {
        type: 'abort',
        listener: event => apply(handler.fn, this, [event]),
        capture: false,
        once: false,
        removed: false,
      };
      s.handler = handler;
      s.listeners.push(handler.entry);
    }

    addEventListener(type, listener, options = undefined) {
      if (listener === null || listener === undefined) return;
      const s = state(this);
      const opts = isObject(options) ? options : {};
      const capture = typeof options === 'boolean' ? options : Boolean(opts.capture);
      const t = String(type);
      if (s.listeners.some(x => x.type === t && x.listener === listener && x.capture === capture)) return;
      const entry = { type: t, listener, capture, once: Boolean(opts.once), removed: false };
      if (opts.signal !== undefined) {
        const removeSignal = opts.signal;
        if (state(removeSignal).aborted) return;
        onAbort(removeSignal, () => removeEntry(s, entry));
      }
      s.listeners.push(entry);
    }

    removeEventListener(type, listener, options = undefined) {
      const s = state(this);
      const capture = typeof options === 'boolean' ? options : isObject(options) && Boolean(options.capture);
      const t = String(type);
      const entry = s.listeners.find(x => x.type === t && x.listener === listener && x.capture === capture);
      if (entry !== undefined) removeEntry(s, entry);
    }

    dispatchEvent(event) {
      if (!isObject(event) || typeof event.type !== 'string') {
        throw new TypeError('dispatchEvent: the argument is not an event');
      }
      dispatch(this, event);
      return true;
    }

    static abort(reason = undefined) {
      const signal = newSignal();
      signalAbort(signal, reason);
      return signal;
    }

    static timeout(milliseconds) {
      const ms = Number(milliseconds);
      if (!Number.isFinite(ms) || ms < 0 || ms > Number.MAX_SAFE_INTEGER) {
        throw new TypeError(`AbortSignal.timeout: ${String(milliseconds)} is not a valid number of milliseconds`);
      }
      const timers = lib.timers;
      if (timers === undefined) {
        throw new DOMException('AbortSignal.timeout needs the "setTimeout" endowment as well', 'NotSupportedError');
      }
      const signal = newSignal();
      timers.startInternal(() => signalAbort(signal, new DOMException('signal timed out', 'TimeoutError')), ms);
      return signal;
    }

    static any(list) {
      const signal = newSignal();
      const sources = [...list];
      for (const source of sources) {
        if (state(source).aborted) {
          signalAbort(signal, state(source).reason);
          return signal;
        }
      }
      for (const source of sources) state(source).dependents.push(signal);
      return signal;
    }
  }

  class AbortController {
    #signal = newSignal();

    get signal() {
      return this.#signal;
    }

    abort(reason = undefined) {
      signalAbort(this.#signal, reason);
    }
  }

  // onAbort adds an abort step (run before the listeners) and returns the
  // function that removes it.
  const onAbort = (signal, step) => {
    const s = state(signal);
    s.steps.add(step);
    return () => s.steps.delete(step);
  };

  const isSignal = x => signals.has(x);

  return harden({ AbortController, AbortSignal, onAbort, isSignal, newSignal, signalAbort });
});
