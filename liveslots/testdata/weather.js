// The seed guide's weather vat, bundled by esbuild (iife, globalName __ocapVat,
// target es2017, @endo/* @metamask/* external): a real bundle, unchanged.
var __ocapVat = (() => {
  var __defProp = Object.defineProperty;
  var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
  var __getOwnPropNames = Object.getOwnPropertyNames;
  var __hasOwnProp = Object.prototype.hasOwnProperty;
  var __require = /* @__PURE__ */ ((x) => typeof require !== "undefined" ? require : typeof Proxy !== "undefined" ? new Proxy(x, {
    get: (a, b) => (typeof require !== "undefined" ? require : a)[b]
  }) : x)(function(x) {
    if (typeof require !== "undefined") return require.apply(this, arguments);
    throw Error('Dynamic require of "' + x + '" is not supported');
  });
  var __export = (target, all) => {
    for (var name in all)
      __defProp(target, name, { get: all[name], enumerable: true });
  };
  var __copyProps = (to, from, except, desc) => {
    if (from && typeof from === "object" || typeof from === "function") {
      for (let key of __getOwnPropNames(from))
        if (!__hasOwnProp.call(to, key) && key !== except)
          __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
    }
    return to;
  };
  var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);

  // vat.ts
  var vat_exports = {};
  __export(vat_exports, {
    buildRootObject: () => buildRootObject
  });
  var import_eventual_send = __require("@endo/eventual-send");
  var import_exo = __require("@metamask/kernel-utils/exo");
  function buildRootObject(_vp, parameters, baggage) {
    var _a;
    const defaultCity = (_a = parameters.defaultCity) != null ? _a : "London";
    let weatherService = baggage.has("weatherService") ? baggage.get("weatherService") : void 0;
    return (0, import_exo.makeDefaultExo)("root", {
      async bootstrap(_vats, services) {
        weatherService = services.weatherService;
        baggage.init("weatherService", weatherService);
      },
      async getWeatherReport(city) {
        const target = city != null ? city : defaultCity;
        const temp = await (0, import_eventual_send.E)(weatherService).getTemperature(target);
        const forecast = await (0, import_eventual_send.E)(weatherService).getForecast(target, 3);
        return `${target}: ${temp}C. Next 3 days: ${forecast.join(", ")}`;
      }
    });
  }
  return __toCommonJS(vat_exports);
})();
