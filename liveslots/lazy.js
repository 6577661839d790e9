// lazy.js puts on lib the entry points of the liveslots files that are
// compiled only when first used (scripts.go's lazyScripts): most vats never
// name a pattern, a heap store or @metamask/kernel-utils, and those files
// are a third of the liveslots source. Each such file is a function
// expression taking lib; it answers its module instead of adding to lib.
(function lazyModule(lib) {
  'use strict';

  // The intrinsics, taken before vat code's WeakMap and WeakSet replace
  // them (weakcollections.js): the pattern kit keys its tables with them.
  const { WeakMap, WeakSet } = globalThis;

  // once answers a function giving what script name answers, run with
  // lib and args the first time it is asked for.
  const once = (name, ...args) => {
    let value;
    return () => {
      if (value === undefined) value = lib.host.loadScript(name)(lib, ...args);
      return value;
    };
  };

  lib.getPatternKit = once('patterns.js', WeakMap, WeakSet);
  lib.getStoreModule = once('store.js');
  const kernelUtils = once('kernelutils.js');
  lib.makeKernelUtils = () => kernelUtils()();
});
