// math.js: a Math whose random() draws from the host's cryptographic
// source (see math.go); every other member is the realm's own.
(function mathModule(lib) {
  'use strict';

  const { harden } = lib.common;
  const random = lib.host_random;
  const { ownKeys } = Reflect;
  const { defineProperty, getOwnPropertyDescriptor } = Object;

  const M = {};
  for (const key of ownKeys(Math)) {
    if (key !== 'random') defineProperty(M, key, getOwnPropertyDescriptor(Math, key));
  }
  defineProperty(M, 'random', {
    value: {
      random() {
        return random();
      },
    }.random,
    writable: true,
    configurable: true,
  });
  return harden({ Math: M });
});
