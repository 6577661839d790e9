package bundle

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// BuiltinModules are the modules the vat worker provides at run time. Vat
// code imports them by these exact specifiers; the bundle does not contain
// them but calls __ocap_require for each.
var BuiltinModules = []string{
	"@endo/eventual-send",
	"@endo/far",
	"@endo/exo",
	"@endo/marshal",
	"@endo/patterns",
	"@endo/promise-kit",
	"@endo/pass-style",
	"@metamask/kernel-utils",
	"@metamask/kernel-utils/exo",
	"@metamask/ocap-kernel",
	"@agoric/store",
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
