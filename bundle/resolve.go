package bundle

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// importGraph follows one build's imports: which file first imported each
// file, so that a problem deep inside a package names the chain from the
// vat's source; and where packages are looked for, so that an unresolved
// one says where it was not found.
type importGraph struct {
	dir  string // the entry's folder; files in messages are relative to it
	root string // the confinement's root: no package is found above it

	mu     sync.Mutex
	parent map[string]string // absolute file → the file that first imported it
}

func newImportGraph(dir, root string) *importGraph {
	return &importGraph{dir: dir, root: root, parent: map[string]string{}}
}

// ownResolve marks the resolutions the graph asks esbuild for itself.
type ownResolve struct{}

// plugin resolves every import of a file through esbuild's own resolver,
// to learn what it resolved to. An import of a Node.js built-in module that
// no installed package provides fails, naming the chain of imports that
// led to it; any other failure is left to esbuild to report.
func (g *importGraph) plugin() api.Plugin {
	return api.Plugin{
		Name: "ocap-imports",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: ".*", Namespace: "file"}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				if _, own := args.PluginData.(ownResolve); own || args.Kind == api.ResolveEntryPoint {
					return api.OnResolveResult{}, nil
				}
				res := b.Resolve(args.Path, api.ResolveOptions{
					Importer: args.Importer, Namespace: args.Namespace, ResolveDir: args.ResolveDir,
					Kind: args.Kind, With: args.With, PluginData: ownResolve{},
				})
				if len(res.Errors) > 0 {
					if isNodeBuiltin(args.Path) {
						return api.OnResolveResult{}, fmt.Errorf("%q is a Node.js built-in module, which a vat cannot use: vats get no host powers (import chain: %s)",
							args.Path, g.chain(args.Importer, args.Path))
					}
					return api.OnResolveResult{}, nil
				}
				if res.Namespace == "file" && !res.External {
					g.record(res.Path, args.Importer)
				}
				sideEffects := api.SideEffectsTrue
				if !res.SideEffects {
					sideEffects = api.SideEffectsFalse
				}
				return api.OnResolveResult{Path: res.Path, External: res.External, SideEffects: sideEffects,
					Namespace: res.Namespace, Suffix: res.Suffix, PluginData: res.PluginData}, nil
			})
		},
	}
}

func (g *importGraph) record(file, importer string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.parent[file]; !ok && file != importer {
		g.parent[file] = importer
	}
}

// chain is "vat.js → node_modules/p/index.js → \"spec\"": the files from
// the entry to importer, then the specifier.
func (g *importGraph) chain(importer, spec string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var files []string
	for f, seen := importer, map[string]bool{}; f != "" && !seen[f]; f = g.parent[f] {
		seen[f] = true
		files = append(files, g.rel(f))
	}
	slices.Reverse(files)
	return strings.Join(append(files, fmt.Sprintf("%q", spec)), " → ")
}

func (g *importGraph) rel(file string) string {
	if r, err := filepath.Rel(g.dir, file); err == nil {
		return filepath.ToSlash(r)
	}
	return file
}

// unresolvedHint says why a specifier did not resolve, for a package: the
// worker builds in only some modules of that package, or where it was
// looked for and how to install it. importer is relative to the entry's
// folder, as esbuild names it. Relative paths get no hint.
func (g *importGraph) unresolvedHint(spec, importer string) string {
	if g == nil || spec == "" || strings.HasPrefix(spec, ".") || filepath.IsAbs(spec) {
		return ""
	}
	pkg := packageName(spec)
	var built []string
	for _, m := range BuiltinModules {
		if m == pkg || strings.HasPrefix(m, pkg+"/") {
			built = append(built, m)
		}
	}
	if len(built) > 0 {
		return fmt.Sprintf(": of %s the worker provides only %s", pkg, strings.Join(built, ", "))
	}
	var looked []string
	for d := filepath.Dir(filepath.Join(g.dir, importer)); ; d = filepath.Dir(d) {
		if filepath.Base(d) != "node_modules" {
			looked = append(looked, filepath.Join(d, "node_modules"))
		}
		if d == g.root || !strings.HasPrefix(d, g.root) || filepath.Dir(d) == d {
			break
		}
	}
	return fmt.Sprintf(": no package %q in %s; install it beside the vat (npm install %s, in %s)",
		pkg, strings.Join(looked, ", "), pkg, g.dir)
}

// packageName is the npm package a bare specifier names: "@scope/name" or
// "name", without a path inside it.
func packageName(spec string) string {
	parts := strings.SplitN(spec, "/", 3)
	if strings.HasPrefix(spec, "@") && len(parts) > 1 {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}

// nodeBuiltins are Node.js's own modules: host powers a vat never gets.
var nodeBuiltins = map[string]bool{
	"assert": true, "async_hooks": true, "buffer": true, "child_process": true, "cluster": true,
	"console": true, "constants": true, "crypto": true, "dgram": true, "diagnostics_channel": true,
	"dns": true, "domain": true, "events": true, "fs": true, "http": true, "http2": true, "https": true,
	"inspector": true, "module": true, "net": true, "os": true, "path": true, "perf_hooks": true,
	"process": true, "punycode": true, "querystring": true, "readline": true, "repl": true,
	"stream": true, "string_decoder": true, "sys": true, "timers": true, "tls": true,
	"trace_events": true, "tty": true, "url": true, "util": true, "v8": true, "vm": true,
	"wasi": true, "worker_threads": true, "zlib": true,
}

func isNodeBuiltin(spec string) bool {
	return strings.HasPrefix(spec, "node:") || nodeBuiltins[packageName(spec)]
}
