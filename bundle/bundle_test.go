package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"
)

// writeTree creates files (path → content) under a fresh folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const vatTS = `import { E } from '@endo/eventual-send';
import { makeDefaultExo } from '@metamask/kernel-utils/exo';
import type { Baggage } from '@metamask/ocap-kernel';
import { greet, type Greeter } from './lib/greet';
import data from './data.json';

class Box<T> {
  constructor(private readonly value: T) {}
  get(): T | undefined { return this.value; }
}

async function* count(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

export function buildRootObject(_vp: unknown, parameters: { name?: string }, baggage: Baggage) {
  const name = parameters.name ?? 'world';
  const box = new Box<string>(name);
  const g: Greeter = greet;
  return makeDefaultExo('root', {
    hello(): string { return g(box.get()!) + (data.suffix as string); },
    async total(opts?: { extra?: number }): Promise<number> {
      let sum = opts?.extra ?? 0;
      for await (const v of count(4)) sum += v;
      const { a, ...rest } = { a: 1, b: 2 };
      return sum + a + (rest as { b: number }).b;
    },
    send(x: unknown) { return E(x).ping(); },
  });
}
`

var vatFiles = map[string]string{
	"vat.ts":       vatTS,
	"lib/greet.ts": "export type Greeter = (s: string) => string;\nexport const greet: Greeter = (s) => `hello ${s}`;\n",
	"data.json":    `{"suffix": "!"}`,
}

func TestBuildTypeScript(t *testing.T) {
	dir := writeTree(t, vatFiles)
	b, err := Build(context.Background(), filepath.Join(dir, "vat.ts"))
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "vat.ts" {
		t.Errorf("Name = %q", b.Name)
	}
	sum := sha256.Sum256([]byte(b.Script))
	if b.Hash != hex.EncodeToString(sum[:]) {
		t.Errorf("Hash is not the SHA-256 of Script")
	}
	s := b.Script
	if !strings.HasPrefix(s, "var __ocapVat = (() => {") {
		t.Errorf("script does not start with the IIFE:\n%.200s", s)
	}
	for _, want := range []string{
		`__ocap_require("@endo/eventual-send")`,
		`__ocap_require("@metamask/kernel-utils/exo")`,
		`"greet"`, // keepNames
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %s", want)
		}
	}
	for _, bad := range []string{"@metamask/ocap-kernel", "import.meta", "async function*", "?? ", "?."} {
		if strings.Contains(s, bad) {
			t.Errorf("script contains %q", bad)
		}
	}
	for _, line := range strings.Split(s, "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "import ") || strings.HasPrefix(l, "export ") {
			t.Errorf("script has a module statement: %s", l)
		}
	}
}

// runVat evaluates a script the way the worker does and returns the
// namespace.
func runVat(t *testing.T, vm *goja.Runtime, script string) *goja.Object {
	t.Helper()
	wrapper, err := vm.RunString(`(function (__ocap_require) { "use strict"; ` + script + `; return __ocapVat; })`)
	if err != nil {
		t.Fatalf("compile wrapper: %v", err)
	}
	fn, ok := goja.AssertFunction(wrapper)
	if !ok {
		t.Fatal("wrapper is not a function")
	}
	required, err := vm.RunString(`(spec) => {
		switch (spec) {
		case "@metamask/kernel-utils/exo": return { makeDefaultExo: (name, methods) => methods };
		case "@endo/eventual-send": return { E: (x) => x };
		}
		throw Error("unexpected builtin " + spec);
	}`)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := fn(goja.Undefined(), required)
	if err != nil {
		t.Fatalf("run script: %v", err)
	}
	return ns.ToObject(vm)
}

func TestBuildOutputRunsInGoja(t *testing.T) {
	dir := writeTree(t, vatFiles)
	b, err := Build(context.Background(), filepath.Join(dir, "vat.ts"))
	if err != nil {
		t.Fatal(err)
	}
	vm := goja.New()
	ns := runVat(t, vm, b.Script)
	if _, ok := goja.AssertFunction(ns.Get("buildRootObject")); !ok {
		t.Fatalf("namespace has no buildRootObject function: %v", ns.Export())
	}
	vm.Set("ns", ns)
	v, err := vm.RunString(`
		const root = ns.buildRootObject(undefined, { name: "ocap" }, {});
		var total;
		root.total({ extra: 10 }).then((v) => { total = v; });
		[root.hello(), ns.buildRootObject.name, root.send({ ping: () => "pong" })];
	`)
	if err != nil {
		t.Fatal(err)
	}
	got := v.Export().([]any)
	if got[0] != "hello ocap!" || got[1] != "buildRootObject" || got[2] != "pong" {
		t.Errorf("got %v", got)
	}
	if total := vm.Get("total"); total == nil || total.ToInteger() != 19 {
		t.Errorf("total = %v, want 19 (async generator, ??, rest lowered)", total)
	}
}

func TestBuildJavaScriptDirectives(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"vat.mjs":  "#!/usr/bin/env node\n'use strict';\nimport { x } from './x.mjs';\nexport const buildRootObject = () => ({ x, meta: typeof import.meta });\n",
		"x.mjs":    "export const x = 1;\n",
		"empty.js": "",
		"vat.mts":  "import { x } from './x.mjs';\nexport const buildRootObject = (): number => x satisfies number;\n",
	})
	b, err := Build(context.Background(), filepath.Join(dir, "vat.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(b.Script, "#!") {
		t.Errorf("hashbang kept")
	}
	vm := goja.New()
	ns := runVat(t, vm, b.Script)
	vm.Set("ns", ns)
	v, err := vm.RunString(`JSON.stringify(ns.buildRootObject())`)
	if err != nil || v.String() != `{"x":1,"meta":"object"}` {
		t.Errorf("got %v, %v", v, err)
	}
	if _, err := Build(context.Background(), filepath.Join(dir, "vat.mts")); err != nil {
		t.Errorf(".mts entry: %v", err)
	}
	// An empty module bundles to a namespace without buildRootObject; the
	// worker reports that, not the bundler.
	if _, err := Build(context.Background(), filepath.Join(dir, "empty.js")); err != nil {
		t.Errorf("empty module: %v", err)
	}
}

func TestBuildErrors(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"missing.ts":                        "import { a } from './nope';\nexport const buildRootObject = () => a;\n",
		"nested.ts":                         "import { b } from './lib/b';\nexport const buildRootObject = () => b;\n",
		"lib/b.ts":                          "import { c } from '../gone.js';\nimport { d } from 'not-a-package';\nexport const b = c + d;\n",
		"syntax.ts":                         "export function buildRootObject() {\n  return 1 +;\n}\n",
		"tla.ts":                            "const x = await Promise.resolve(1);\nexport const buildRootObject = () => x;\n",
		"deepbad.mjs":                       "import '@endo/far/src/internal.js';\n",
		"leaky.js":                          "import { read } from 'leaky';\nexport const buildRootObject = () => read;\n",
		"node_modules/leaky/package.json":   `{"name": "leaky", "main": "lib/index.js"}`,
		"node_modules/leaky/lib/index.js":   "const fs = require('./fs-user.js');\nexports.read = fs.read;\n",
		"node_modules/leaky/lib/fs-user.js": "const { readFileSync } = require('fs');\nexports.read = readFileSync;\n",
		"nodeproc.ts":                       "import process from 'node:process';\nexport const buildRootObject = () => process;\n",
		"sub/deep.ts":                       "import x from 'not-here/sub';\nexport const buildRootObject = () => x;\n",
		"kutils.ts":                         "import { startRelay } from '@metamask/kernel-utils/libp2p';\nexport const buildRootObject = () => startRelay;\n",
		"vat.py":                            "",
	})
	tests := []struct {
		file string
		want string
		full bool
	}{
		{"missing.ts", `cannot resolve "./nope" imported by missing.ts`, true},
		{"nested.ts", "cannot resolve \"../gone.js\" imported by lib/b.ts\ncannot resolve \"not-a-package\" imported by lib/b.ts: no package \"not-a-package\" in " +
			filepath.Join(dir, "lib", "node_modules") + ", " + filepath.Join(dir, "node_modules") + "; install it beside the vat (npm install not-a-package, in " + dir + ")", true},
		{"sub/deep.ts", `cannot resolve "not-here/sub" imported by deep.ts: no package "not-here" in ` + filepath.Join(dir, "sub", "node_modules") + "; install it beside the vat (npm install not-here, in " + filepath.Join(dir, "sub") + ")", true},
		{"leaky.js", `node_modules/leaky/lib/fs-user.js:1:34: "fs" is a Node.js built-in module, which a vat cannot use: vats get no host powers (import chain: leaky.js → node_modules/leaky/lib/index.js → node_modules/leaky/lib/fs-user.js → "fs")`, true},
		{"nodeproc.ts", `nodeproc.ts:1:21: "node:process" is a Node.js built-in module, which a vat cannot use: vats get no host powers (import chain: nodeproc.ts → "node:process")`, true},
		{"kutils.ts", `cannot resolve "@metamask/kernel-utils/libp2p" imported by kutils.ts: of @metamask/kernel-utils the worker provides only @metamask/kernel-utils, @metamask/kernel-utils/exo, @metamask/kernel-utils/discoverable`, true},
		{"syntax.ts", "syntax.ts:2:13: Unexpected \";\"", true},
		{"tla.ts", "tla.ts:1:11: Top-level await is not available", false},
		{"deepbad.mjs", `cannot resolve "@endo/far/src/internal.js" imported by deepbad.mjs: of @endo/far the worker provides only @endo/far`, true},
		{"vat.py", `unsupported source extension ".py"`, false},
	}
	for _, tc := range tests {
		_, err := Build(context.Background(), filepath.Join(dir, tc.file))
		switch {
		case err == nil:
			t.Errorf("%s: no error", tc.file)
		case tc.full && err.Error() != tc.want:
			t.Errorf("%s:\n got %q\nwant %q", tc.file, err, tc.want)
		case !tc.full && !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: got %q, want it to contain %q", tc.file, err, tc.want)
		}
	}
	// Within a wider root, packages are looked for up to that root.
	_, err := BuildWithin(context.Background(), dir, filepath.Join(dir, "sub", "deep.ts"))
	if want := `no package "not-here" in ` + filepath.Join(dir, "sub", "node_modules") + ", " + filepath.Join(dir, "node_modules") + ";"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("sub/deep.ts within %s: %v, want it to contain %s", dir, err, want)
	}
	var be *BuildError
	_, err = Build(context.Background(), filepath.Join(dir, "nested.ts"))
	if !errors.As(err, &be) || len(be.Problems) != 2 {
		t.Errorf("want a *BuildError with 2 problems, got %#v", err)
	}
}

func TestBuildCache(t *testing.T) {
	dir := writeTree(t, vatFiles)
	entry := filepath.Join(dir, "vat.ts")
	b1, err := Build(context.Background(), entry)
	if err != nil {
		t.Fatal(err)
	}
	n := builds.Load()
	b2, err := Build(context.Background(), entry)
	if err != nil {
		t.Fatal(err)
	}
	if builds.Load() != n || b2.Hash != b1.Hash {
		t.Fatalf("second build of unchanged source ran esbuild again (builds %d → %d)", n, builds.Load())
	}
	// Editing an imported file (not the entry) invalidates.
	greet := filepath.Join(dir, "lib", "greet.ts")
	if err := os.WriteFile(greet, []byte("export type Greeter = (s: string) => string;\nexport const greet: Greeter = (s) => `bonjour ${s}`;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b3, err := Build(context.Background(), entry)
	if err != nil {
		t.Fatal(err)
	}
	if builds.Load() != n+1 || b3.Hash == b1.Hash || !strings.Contains(b3.Script, "bonjour") {
		t.Errorf("edit of an imported file not picked up (builds %d → %d)", n, builds.Load())
	}
	// So does editing the JSON import.
	if err := os.WriteFile(filepath.Join(dir, "data.json"), []byte(`{"suffix": "?"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	b4, err := Build(context.Background(), entry)
	if err != nil || b4.Hash == b3.Hash {
		t.Errorf("edit of the JSON import not picked up: %v", err)
	}
}

func TestBuildCanceled(t *testing.T) {
	dir := writeTree(t, vatFiles)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Build(ctx, filepath.Join(dir, "vat.ts"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := Build(ctx, filepath.Join(dir, "vat.ts")); err != nil {
		t.Errorf("after a canceled build: %v", err)
	}
}

func TestWriteFileLoad(t *testing.T) {
	dir := writeTree(t, vatFiles)
	b, err := Build(context.Background(), filepath.Join(dir, "vat.ts"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "vat.bundle.js")
	if err := WriteFile(b, out); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	if !strings.HasPrefix(string(data), "// ocap bundle of vat.ts\nvar __ocapVat") {
		t.Errorf("file starts %.60q", data)
	}
	got, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *b {
		t.Errorf("Load(WriteFile(b)) differs: name %q hash %s, want %q %s", got.Name, got.Hash, b.Name, b.Hash)
	}
	// A file written by hand is a bare script.
	bare := filepath.Join(dir, "hand.js")
	os.WriteFile(bare, []byte("var __ocapVat = { buildRootObject() {} };\n"), 0o644)
	hb, err := Load(bare)
	if err != nil || hb.Name != "hand.js" || hb.Script != "var __ocapVat = { buildRootObject() {} };\n" {
		t.Errorf("Load(bare) = %+v, %v", hb, err)
	}
	if _, err := Load(filepath.Join(dir, "absent.js")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

// The guide's fragments call makeDefaultExo without importing it: a free
// reference reads the built-in module's export, and only a free one.
func TestImplicitMakeDefaultExo(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"free.ts": "const early = makeDefaultExo('early', {});\n" +
			"export function buildRootObject(_vp: unknown, _p: unknown, baggage: Baggage) {\n" +
			"  return makeDefaultExo('root', { hello: () => 'hi', early: () => early });\n}\n",
		"imported.js": "import { makeDefaultExo } from '@metamask/kernel-utils/exo';\n" +
			"export const buildRootObject = () => makeDefaultExo('root', {});\n",
		"local.js": "const makeDefaultExo = (name, methods) => ({ local: true });\n" +
			"export const buildRootObject = () => makeDefaultExo('root', {});\n",
	})
	free, err := Build(context.Background(), filepath.Join(dir, "free.ts"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(free.Script, "var __ocapVat = ") {
		t.Fatalf("script does not start with the IIFE:\n%s", free.Script)
	}
	vm := goja.New()
	ns := runVat(t, vm, free.Script)
	got, err := vm.RunString(`(ns) => ns.buildRootObject().hello()`)
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := goja.AssertFunction(got)
	v, err := fn(goja.Undefined(), ns)
	if err != nil || v.String() != "hi" {
		t.Fatalf("hello() = %v, %v", v, err)
	}
	for _, name := range []string{"imported.js", "local.js"} {
		b, err := Build(context.Background(), filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.Script, "__ocapImplicit_") {
			t.Errorf("%s: a bound makeDefaultExo was rewritten:\n%s", name, b.Script)
		}
	}
}

// A package installed beside the vat bundles with it, CommonJS included,
// and its process.env.NODE_ENV reads "production", as on the JavaScript
// kernel.
func TestBuildInstalledPackage(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"vat.js":                          "import { mode, pad } from 'modal';\nexport const buildRootObject = () => ({ mode, padded: pad('x') });\n",
		"node_modules/modal/package.json": `{"name": "modal", "main": "index.js"}`,
		"node_modules/modal/index.js":     "exports.mode = process.env.NODE_ENV === 'production' ? 'prod' : 'dev';\nexports.pad = (s) => '[' + s + ']';\n",
	})
	b, err := Build(context.Background(), filepath.Join(dir, "vat.js"))
	if err != nil {
		t.Fatal(err)
	}
	vm := goja.New()
	vm.Set("ns", runVat(t, vm, b.Script))
	v, err := vm.RunString(`JSON.stringify(ns.buildRootObject())`)
	if err != nil || v.String() != `{"mode":"prod","padded":"[x]"}` {
		t.Errorf("got %v, %v", v, err)
	}
}
