package bundle

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// BuiltinModules are the modules the vat worker provides at run time. Vat
// code imports them by these exact specifiers; the bundle does not contain
// them but calls __ocap_require for each.
var BuiltinModules = []string{
	"@endo/errors",
	"@endo/eventual-send",
	"@endo/far",
	"@endo/exo",
	"@endo/marshal",
	"@endo/patterns",
	"@endo/promise-kit",
	"@endo/pass-style",
	"@metamask/kernel-utils",
	"@metamask/kernel-utils/exo",
	"@metamask/kernel-utils/discoverable",
	"@metamask/logger",
	"@metamask/ocap-kernel",
	"@agoric/store",
	"@agoric/vat-data",
}

// implicitImports are names the kernel guide's code fragments use without
// importing them (its counter and service examples call makeDefaultExo and
// rely on the import shown in an earlier example). A free reference to one
// of these names, and only a free one, reads the built-in module's export;
// a module that imports or declares the name is untouched. No global is
// added: the binding lives in the bundle's own scope.
var implicitImports = []struct{ name, module string }{
	{"makeDefaultExo", "@metamask/kernel-utils/exo"},
}

// implicitDefines makes esbuild rewrite each free name to a variable that
// withImplicitImports declares.
var implicitDefines = func() map[string]string {
	defines := map[string]string{}
	for _, imp := range implicitImports {
		defines[imp.name] = implicitVar(imp.name)
	}
	// Packages branch on process.env.NODE_ENV, and a vat has no process:
	// the JavaScript kernel's bundler inlines "production" too.
	defines["process.env.NODE_ENV"] = `"production"`
	return defines
}()

func implicitVar(name string) string { return "__ocapImplicit_" + name }

// withImplicitImports appends, for each implicit name the script uses, a
// function declaration that looks the export up when called. Declarations
// are hoisted, so module code may call it at once; the script still starts
// with the IIFE, and scripts that use none of the names are unchanged.
func withImplicitImports(script string) string {
	for _, imp := range implicitImports {
		v := implicitVar(imp.name)
		if !strings.Contains(script, v) {
			continue
		}
		script += fmt.Sprintf("function %s() { return __ocap_require(%s).%s.apply(this, arguments); }\n",
			v, strconv.Quote(imp.module), imp.name)
	}
	return script
}

// builtinNamespace is the esbuild namespace holding the stand-in modules.
const builtinNamespace = "ocap-builtin"

// builtinPlugin resolves each builtin specifier to a stand-in module whose
// CommonJS exports are what the worker's __ocap_require returns; esbuild's
// interop then serves named and default imports from that object.
func builtinPlugin() api.Plugin {
	quoted := make([]string, len(BuiltinModules))
	for i, m := range BuiltinModules {
		quoted[i] = regexp.QuoteMeta(m)
	}
	filter := "^(" + strings.Join(quoted, "|") + ")$"
	return api.Plugin{
		Name: "ocap-builtins",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: filter}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: args.Path, Namespace: builtinNamespace}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: builtinNamespace}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				contents := "module.exports = __ocap_require(" + strconv.Quote(args.Path) + ");\n"
				return api.OnLoadResult{Contents: &contents, Loader: api.LoaderJS}, nil
			})
		},
	}
}
