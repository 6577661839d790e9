package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Bundle is a vat's source compiled into one script (see the package
// documentation for the script's contract).
type Bundle struct {
	// Script is the code the worker evaluates.
	Script string
	// Hash is the hex SHA-256 of Script; equal hashes mean equal code.
	Hash string
	// Name is the source's base file name, used to label stack traces.
	Name string
}

// GlobalName is the variable the script assigns the entry module's
// namespace to.
const GlobalName = "__ocapVat"

// sourceExtensions are the entry files Build accepts.
var sourceExtensions = map[string]bool{".js": true, ".mjs": true, ".ts": true, ".mts": true}

// Build bundles the vat source at path, which may import only files in
// its own folder and below (see BuildWithin).
func Build(ctx context.Context, path string) (*Bundle, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	return BuildWithin(ctx, filepath.Dir(abs), abs)
}

// BuildWithin bundles the vat source at path, reading nothing outside the
// folder root: the entry and every file it imports must lie below root
// (node_modules below root included), be regular files, and stay under
// MaxSourceFileBytes each and MaxSourceTotalBytes together; an absolute
// import is refused. It returns the cached bundle when no file that went
// into the last build of path has changed.
func BuildWithin(ctx context.Context, root, path string) (*Bundle, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	if ext := filepath.Ext(abs); !sourceExtensions[ext] {
		return nil, fmt.Errorf("bundle %s: unsupported source extension %q (want .js, .mjs, .ts or .mts)", path, ext)
	}
	conf, err := newConfinement(root)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	defer conf.close()
	if _, err := conf.within(abs); err != nil {
		return nil, fmt.Errorf("bundle %s: %w", path, err)
	}
	key := conf.dir + "\x00" + abs
	if b := cached(key, conf); b != nil {
		return b, nil
	}
	b, inputs, err := build(ctx, abs, conf)
	if err != nil {
		return nil, err
	}
	remember(key, conf, b, inputs)
	return b, nil
}

// build runs esbuild once and returns the bundle and the files it read.
func build(ctx context.Context, abs string, conf *confinement) (*Bundle, []string, error) {
	builds.Add(1)
	dir := filepath.Dir(abs)
	graph := newImportGraph(dir, conf.dir)
	esb, cerr := api.Context(api.BuildOptions{
		EntryPoints:   []string{abs},
		AbsWorkingDir: dir,
		Bundle:        true,
		Write:         false,
		Metafile:      true,
		Format:        api.FormatIIFE,
		GlobalName:    GlobalName,
		Platform:      api.PlatformNeutral,
		MainFields:    []string{"module", "main"},
		Target:        api.ES2017,
		KeepNames:     true,
		// An inline map (without the sources' text) travels with the
		// script wherever it is stored, so the worker can point stack
		// traces at the vat's own files and lines.
		Sourcemap:      api.SourceMapInline,
		SourcesContent: api.SourcesContentExclude,
		LogLevel:       api.LogLevelSilent,
		Plugins:        []api.Plugin{builtinPlugin(), conf.plugin(), graph.plugin()},
		Define:         implicitDefines,
	})
	if cerr != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", abs, buildError(cerr.Errors, nil))
	}
	defer esb.Dispose()

	// esbuild cannot take a context; cancel it from outside instead.
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			esb.Cancel()
		case <-done:
		}
	}()
	res := esb.Rebuild()
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", abs, err)
	}
	if len(res.Errors) > 0 {
		return nil, nil, buildError(res.Errors, graph)
	}
	if len(res.OutputFiles) != 1 {
		return nil, nil, fmt.Errorf("bundle %s: esbuild produced %d output files, want 1", abs, len(res.OutputFiles))
	}
	inputs, err := metafileInputs(res.Metafile, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle %s: %w", abs, err)
	}
	return newBundle(withImplicitImports(string(res.OutputFiles[0].Contents)), filepath.Base(abs)), inputs, nil
}

// newBundle fills in the hash. A leading "#!" line, which esbuild keeps from
// the entry file, is emptied: it would be a syntax error inside the worker's
// function wrapper, and its line break stays so the source map's lines do.
func newBundle(script, name string) *Bundle {
	if strings.HasPrefix(script, "#!") {
		if i := strings.IndexByte(script, '\n'); i >= 0 {
			script = script[i:]
		} else {
			script = ""
		}
	}
	sum := sha256.Sum256([]byte(script))
	return &Bundle{Script: script, Hash: hex.EncodeToString(sum[:]), Name: name}
}
