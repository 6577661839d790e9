// Package bundle turns a vat's source (a .js, .mjs, .ts or .mts file and
// whatever it imports relatively, JSON files included) into one script the
// vat worker can evaluate, using esbuild's Go API. TypeScript is compiled
// away and the output targets ES2017, because the worker's goja engine lacks
// some later syntax (async generators among it) that esbuild can lower.
// Output is not minified and keeps function and class names, so stack traces
// stay readable, and carries a source map to the vat's own files.
//
// # Output contract
//
// The worker relies on exactly this shape of Bundle.Script:
//
//   - It is an esbuild IIFE with the global name __ocapVat: it declares
//     `var __ocapVat = (() => { ... })();`, whose value is the entry module's
//     namespace object, so `__ocapVat.buildRootObject` is the vat's export.
//
//   - The worker evaluates it as the body of
//
//     (function (__ocap_require) { "use strict"; <Script>; return __ocapVat; })
//
//     so the script must be valid strict-mode function-body code: Build
//     refuses top-level await (esbuild cannot put it in an IIFE), drops a
//     leading "#!" line, and leaves no import or export statement and no
//     import.meta (esbuild turns it into an empty object) in the output. A
//     source's own "use strict" may come out as the script's first
//     statement; after the wrapper's it is one more directive, which is
//     harmless.
//
//   - An import of one of BuiltinModules becomes the call
//     __ocap_require("<specifier>"), made when the importing module first
//     runs; the worker's __ocap_require returns that module's exports object.
//     Named imports read properties of that object (esbuild's CommonJS
//     interop), so the object must carry every name vat code imports.
//
//   - It ends with an inline source map, a
//     "//# sourceMappingURL=data:application/json;base64,..." comment
//     whose sources are named relative to the entry file's folder and
//     carry no text; the worker maps the vat's stack frames through it.
//     A "#!" line esbuild keeps from the entry is emptied, not removed,
//     so the map's line numbers hold.
//
//   - A free (undeclared, unimported) reference to makeDefaultExo, as the
//     kernel guide's counter and service examples make, reads
//     @metamask/kernel-utils/exo's export: it becomes a call of
//     __ocapImplicit_makeDefaultExo, a function declaration appended to the
//     script (hoisted, so module code may use it at once) that calls
//     __ocap_require. Scripts without such a reference are not changed.
//
// # Errors
//
// A failed build returns a *BuildError listing every problem, one per line:
// an unresolved import as `cannot resolve "<specifier>" imported by <file>`,
// followed, for a package, by which of its modules the worker provides (a
// built-in package) or by the node_modules folders it was looked for in and
// the `npm install` that fixes it; an import of a Node.js built-in module
// (`fs`, `node:process`, ...) that no installed package provides, as one
// that a vat cannot use, with the chain of imports from the vat's source
// to it; anything else as `<file>:<line>:<column>: <message>` (line and
// column 1-based). Files are named relative to the entry file's folder.
//
// Packages may read process.env.NODE_ENV: it is "production", inlined as
// the JavaScript kernel's bundler does.
//
// # Confinement
//
// A build reads nothing outside its root folder (BuildWithin; Build uses
// the entry's folder): every file, the entry included, is read through an
// os.Root, so neither "..", nor a symbolic link, nor an absolute or file:
// import reaches beyond it, and only regular files of at most
// MaxSourceFileBytes (MaxSourceTotalBytes together) are read, whatever the
// import attribute ("json", "text", "bytes"). The kernel passes the cluster
// config's folder as the root, so node_modules below it resolve.
//
// # Cache
//
// Build remembers its last result per entry path for the life of the
// process and returns it again while every file that went into it (as
// esbuild's metafile lists them) still has the same content, so launching
// the same vat source many times bundles it once.
//
// # Bundle files
//
// WriteFile stores a bundle for later use as a bundleSpec (`kernel bundle
// in.ts -o out.bundle.js`): one comment line naming the source, then the
// script. Load reads such a file, or any file holding just a script.
package bundle
