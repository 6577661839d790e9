// date.js: the attenuated Date constructor (see date.go). It wraps the
// realm's Date, which in a vat is lockdown's secure-mode one: that still
// builds dates from a given time, and only the clock reads go through the
// jittered host_now.
(function dateModule(lib) {
  'use strict';

  const { harden } = lib.common;
  const now = lib.host_now;
  const BaseDate = globalThis.Date;
  const { construct } = Reflect;
  const { defineProperty } = Object;

  const Date = function Date(...args) {
    if (new.target === undefined) {
      return construct(BaseDate, [now()]).toString();
    }
    if (args.length === 0) {
      return construct(BaseDate, [now()], new.target);
    }
    return construct(BaseDate, args, new.target);
  };
  defineProperty(Date, 'prototype', { value: BaseDate.prototype, writable: false });
  defineProperty(Date, 'length', { value: 7 });
  const statics = {
    now() {
      return now();
    },
    parse: BaseDate.parse,
    UTC: BaseDate.UTC,
  };
  for (const name of ['now', 'parse', 'UTC']) {
    defineProperty(Date, name, { value: statics[name], writable: true, configurable: true });
  }
  return harden({ Date });
});
