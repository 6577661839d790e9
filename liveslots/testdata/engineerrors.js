// A test vat making the common mistakes whose engine errors goja words
// differently from V8; each method throws, so the text crosses the vat
// boundary as a rejection.
var __ocapVat = (() => {
  const { makeDefaultExo } = __ocap_require('@metamask/kernel-utils/exo');
  function buildRootObject() {
    const celsius = makeDefaultExo('celsius', { get: () => 20 });
    const holder = { inner: {}, make: () => ({}) };
    let nothing;
    const notFn = 5;
    return makeDefaultExo('root', {
      missingMethod: () => celsius.getFahrenheit(),
      nestedMissing: () => holder.inner.method(1, 2),
      callResult: () => holder.make().go(),
      computed: () => holder['in' + 'ner'].run(),
      callUndefined: () => nothing(),
      callNumber: () => notFn(),
      readUndefined: () => nothing.field,
      readNull: () => holder.inner.deep.field,
      notConstructor: () => new holder.make(),
      plainError: () => {
        throw TypeError('Object has no member of my own');
      },
      inOperator: () => 'x' in notFn,
      setUndefined: () => {
        nothing.x = 1;
      },
      setComputed: () => {
        holder.inner.deep['k'] = 1;
      },
      native: () => Object.keys(nothing),
      nativeCall: () => Reflect.ownKeys(notFn),
      caught: () => {
        try {
          celsius.getFahrenheit();
        } catch (e) {
          return harden(e);
        }
        return 'no error';
      },
    });
  }
  return { buildRootObject };
})();
