package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/ocapgo/ocap/internal/safefile"
)

// Size caps on what a build reads: any one file, and all files together.
const (
	MaxSourceFileBytes  = 16 << 20
	MaxSourceTotalBytes = 64 << 20
)

// confinement is what one build may read: files below root, each a regular
// file of at most MaxSourceFileBytes, together at most MaxSourceTotalBytes.
// Every file esbuild loads (the entry included) goes through load, which
// reads it itself through an os.Root, so neither "..", nor a symbolic
// link, nor an absolute import reaches anything outside root.
type confinement struct {
	root  *os.Root
	dir   string // root's real path
	total atomic.Int64
}

func newConfinement(dir string) (*confinement, error) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("source folder: %w", err)
	}
	r, err := os.OpenRoot(real)
	if err != nil {
		return nil, fmt.Errorf("source folder: %w", err)
	}
	return &confinement{root: r, dir: real}, nil
}

func (c *confinement) close() { c.root.Close() }

// within gives path relative to the root, or an error if it lies outside.
func (c *confinement) within(path string) (string, error) {
	real := path
	if r, err := filepath.EvalSymlinks(path); err == nil {
		real = r
	}
	rel, err := filepath.Rel(c.dir, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", fmt.Errorf("%s is outside the vat's source folder %s", path, c.dir)
	}
	return rel, nil
}

// plugin refuses absolute and file: import specifiers outright and loads
// every file through the confinement.
func (c *confinement) plugin() api.Plugin {
	return api.Plugin{
		Name: "ocap-confine",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^(/|file:|[A-Za-z]:[\\/]|\\\\)`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				if args.Kind == api.ResolveEntryPoint {
					return api.OnResolveResult{}, nil
				}
				return api.OnResolveResult{}, fmt.Errorf("import %q is an absolute path; a vat imports only relative paths and packages inside its folder", args.Path)
			})
			b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: "file"}, c.load)
		},
	}
}

func (c *confinement) load(args api.OnLoadArgs) (api.OnLoadResult, error) {
	loader, err := loaderFor(args.With)
	if err != nil {
		return api.OnLoadResult{}, err
	}
	rel, err := c.within(args.Path)
	if err != nil {
		return api.OnLoadResult{}, err
	}
	data, err := safefile.ReadFileIn(c.root, rel, MaxSourceFileBytes)
	if err != nil {
		return api.OnLoadResult{}, err
	}
	if c.total.Add(int64(len(data))) > MaxSourceTotalBytes {
		return api.OnLoadResult{}, fmt.Errorf("%s: the vat's source files together exceed the %s limit", rel, safefile.Size(MaxSourceTotalBytes))
	}
	contents := string(data)
	return api.OnLoadResult{Contents: &contents, Loader: loader, ResolveDir: filepath.Dir(args.Path)}, nil
}

// loaderFor honours the import attributes esbuild itself knows ("json",
// "text", "bytes"); without one, the file's extension decides, as it would
// without this plugin.
func loaderFor(with map[string]string) (api.Loader, error) {
	for key, value := range with {
		if key != "type" {
			return api.LoaderNone, fmt.Errorf("importing with the %q attribute is not supported", key)
		}
		switch value {
		case "json":
			return api.LoaderJSON, nil
		case "text":
			return api.LoaderText, nil
		case "bytes":
			return api.LoaderBinary, nil
		}
		return api.LoaderNone, fmt.Errorf("importing with a type attribute of %q is not supported", value)
	}
	return api.LoaderDefault, nil
}
