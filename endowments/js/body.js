// body.js: the bodies of Requests and Responses. A body is a
// ReadableStream-like object over a source: bytes in memory, a response
// body the Go side reads in chunks (network.go), or one branch of a clone.
// text(), json(), arrayBuffer() and bytes() read it whole (readAll);
// body.getReader() reads it chunk by chunk.
(function bodyModule(lib) {
  'use strict';

  const { harden, isObject, toBuffer } = lib.common;
  const { isSearchParams } = lib.url;
  const host = lib.host_net;
  const text = lib.host_text;

  const internal = harden({}); // constructs what vat code cannot

  // A source yields Uint8Array chunks: pull() resolves to the next one or
  // null at the end; cancel() drops the rest.
  const bytesSource = bytes => {
    let done = bytes.byteLength === 0;
    return {
      pull() {
        if (done) return Promise.resolve(null);
        done = true;
        return Promise.resolve(bytes);
      },
      cancel() {
        done = true;
      },
    };
  };

  const networkSource = (id, finished) => {
    let done = false;
    let failure = null;
    const end = () => {
      if (!done) {
        done = true;
        finished();
      }
    };
    return {
      pull() {
        if (failure !== null) return Promise.reject(failure);
        if (done) return Promise.resolve(null);
        return new Promise((resolve, reject) => {
          host.read(id, (chunk, error) => {
            if (failure !== null) {
              reject(failure);
            } else if (error !== null) {
              end();
              failure = new TypeError(error);
              reject(failure);
            } else if (chunk === null) {
              end();
              resolve(null);
            } else {
              resolve(new Uint8Array(chunk));
            }
          });
        });
      },
      cancel() {
        if (!done) host.release(id);
        end();
      },
      // An abort after the response arrived errors the body.
      error(reason) {
        if (!done) host.abort(id);
        end();
        failure = reason;
      },
    };
  };

  // teeSource splits a source in two for clone(): chunks pulled by either
  // branch are kept for the other.
  const teeSource = source => {
    const queues = [[], []];
    const cancelled = [false, false];
    let ended = false;
    let failure = null;
    let pulling = null;
    const pullShared = () => {
      if (pulling === null) {
        pulling = source.pull().then(
          chunk => {
            pulling = null;
            if (chunk === null) ended = true;
            else queues.forEach((q, i) => !cancelled[i] && q.push(chunk));
          },
          e => {
            pulling = null;
            failure = e;
          },
        );
      }
      return pulling;
    };
    const branch = i => ({
      pull() {
        const q = queues[i];
        if (q.length > 0) return Promise.resolve(q.shift());
        if (failure !== null) return Promise.reject(failure);
        if (ended) return Promise.resolve(null);
        return pullShared().then(() => this.pull());
      },
      cancel() {
        cancelled[i] = true;
        queues[i] = [];
        if (cancelled[0] && cancelled[1] && !ended) source.cancel();
      },
      error(reason) {
        if (source.error !== undefined) source.error(reason);
      },
    });
    return [branch(0), branch(1)];
  };

  const streams = new WeakMap(); // ReadableStream -> { source, locked, disturbed, closed, error, reader }

  const sstate = s => {
    const x = streams.get(s);
    if (x === undefined) throw new TypeError('not a ReadableStream');
    return x;
  };

  // pullFrom reads one chunk, keeping the stream's state.
  const pullFrom = st => {
    st.disturbed = true;
    if (st.error !== null) return Promise.reject(st.error);
    if (st.closed) return Promise.resolve(null);
    return st.source.pull().then(
      chunk => {
        if (chunk === null) st.closed = true;
        return chunk;
      },
      e => {
        st.error = e;
        throw e;
      },
    );
  };

  class ReadableStreamDefaultReader {
    #stream;

    constructor(stream, key = undefined) {
      if (key !== internal) throw new TypeError('Illegal constructor: use body.getReader()');
      this.#stream = stream;
    }

    read() {
      if (this.#stream === null) return Promise.reject(new TypeError('read: the reader was released'));
      return pullFrom(sstate(this.#stream)).then(chunk =>
        chunk === null ? { value: undefined, done: true } : { value: chunk, done: false });
    }

    cancel(reason = undefined) {
      if (this.#stream === null) return Promise.reject(new TypeError('cancel: the reader was released'));
      return this.#stream.cancel(reason, internal);
    }

    releaseLock() {
      if (this.#stream === null) return;
      sstate(this.#stream).locked = false;
      this.#stream = null;
    }

    get closed() {
      return Promise.resolve(undefined);
    }
  }

  class ReadableStream {
    constructor(source = undefined, key = undefined) {
      if (key !== internal) throw new TypeError('ReadableStream: vats can only read the bodies of Requests and Responses');
      streams.set(this, { source, locked: false, disturbed: false, closed: false, error: null });
    }

    get locked() {
      return sstate(this).locked;
    }

    getReader(options = undefined) {
      if (isObject(options) && options.mode !== undefined) {
        throw new RangeError('getReader: only the default reader is supported');
      }
      const st = sstate(this);
      if (st.locked) throw new TypeError('getReader: the stream is locked to another reader');
      st.locked = true;
      return new ReadableStreamDefaultReader(this, internal);
    }

    cancel(reason = undefined, key = undefined) {
      const st = sstate(this);
      if (st.locked && key !== internal) return Promise.reject(new TypeError('cancel: the stream is locked'));
      st.disturbed = true;
      st.closed = true;
      st.source.cancel(reason);
      return Promise.resolve(undefined);
    }
  }

  const newStream = source => new ReadableStream(source, internal);

  // extractBody turns a BodyInit into { stream, type }.
  const extractBody = init => {
    if (init instanceof ReadableStream) {
      const st = sstate(init);
      if (st.locked || st.disturbed) throw new TypeError('the body stream is locked or already read');
      st.locked = true;
      st.disturbed = true;
      return { stream: newStream(st.source), type: null };
    }
    let bytes;
    let type = null;
    if (init instanceof ArrayBuffer || ArrayBuffer.isView(init)) {
      bytes = new Uint8Array(toBuffer(init, 'body'));
    } else if (isSearchParams(init)) {
      bytes = new Uint8Array(text.encode(String(init)));
      type = 'application/x-www-form-urlencoded;charset=UTF-8';
    } else {
      bytes = new Uint8Array(text.encode(String(init)));
      type = 'text/plain;charset=UTF-8';
    }
    return { stream: newStream(bytesSource(bytes)), type };
  };

  // readAll reads a body to its end.
  const readAll = (owner, what) => {
    const body = owner.stream;
    if (body === null) return Promise.resolve(new Uint8Array(0));
    const st = sstate(body);
    if (st.disturbed) return Promise.reject(new TypeError(`${what}: the body has already been read`));
    if (st.locked) return Promise.reject(new TypeError(`${what}: the body is locked to a reader`));
    st.locked = true;
    const chunks = [];
    let size = 0;
    const step = () =>
      pullFrom(st).then(chunk => {
        if (chunk === null) {
          const out = new Uint8Array(size);
          let at = 0;
          for (const c of chunks) {
            out.set(c, at);
            at += c.byteLength;
          }
          return out;
        }
        chunks.push(chunk);
        size += chunk.byteLength;
        return step();
      });
    return step();
  };

  const bodyUsed = s => s.stream !== null && sstate(s.stream).disturbed;

  const cloneBody = (s, what) => {
    if (bodyUsed(s)) throw new TypeError(`${what}: the body has already been read`);
    if (s.stream === null) return null;
    const st = sstate(s.stream);
    if (st.locked) throw new TypeError(`${what}: the body is locked to a reader`);
    const [a, b] = teeSource(st.source);
    st.source = a;
    return newStream(b);
  };


  return harden({ extractBody, readAll, newStream, networkSource, bodyUsed, cloneBody });
});
