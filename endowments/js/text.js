// text.js: TextEncoder and TextDecoder over text.go.
(function textModule(lib) {
  'use strict';

  const { harden, isObject, toBuffer } = lib.common;
  const host = lib.host_text;

  const utf8Labels = ['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8'];

  class TextEncoder {
    get encoding() {
      return 'utf-8';
    }

    encode(input = '') {
      return new Uint8Array(host.encode(String(input)));
    }

    encodeInto(source, destination) {
      if (!(destination instanceof Uint8Array)) {
        throw new TypeError('TextEncoder.encodeInto: the destination must be a Uint8Array');
      }
      const [read, written] = host.encodeInto(
        String(source), destination.buffer, destination.byteOffset, destination.byteLength);
      return { read, written };
    }
  }

  class TextDecoder {
    #decoder;
    #fatal;
    #ignoreBOM;

    constructor(label = 'utf-8', options = undefined) {
      const name = String(label).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '').toLowerCase();
      if (!utf8Labels.includes(name)) {
        throw new RangeError(`TextDecoder: the encoding "${String(label)}" is not supported (vats have UTF-8 only)`);
      }
      const opts = isObject(options) ? options : {};
      this.#fatal = Boolean(opts.fatal);
      this.#ignoreBOM = Boolean(opts.ignoreBOM);
      this.#decoder = host.newDecoder(this.#fatal, this.#ignoreBOM);
    }

    get encoding() {
      return 'utf-8';
    }

    get fatal() {
      return this.#fatal;
    }

    get ignoreBOM() {
      return this.#ignoreBOM;
    }

    decode(input = undefined, options = undefined) {
      const stream = isObject(options) && Boolean(options.stream);
      const buf = input === undefined || input === null ? undefined : toBuffer(input, 'TextDecoder.decode');
      return host.decode(this.#decoder, buf, stream);
    }
  }

  return harden({ TextEncoder, TextDecoder });
});
