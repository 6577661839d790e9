package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ocapgo/ocap/internal/safefile"
)

// The cache keeps, per absolute entry path, the last bundle and a digest of
// every file that went into it (path and content). A hit re-reads those files
// and compares digests, so editing any imported file, not only the entry,
// causes a rebuild. Adding a new file that would change how an import
// resolves is not noticed; a rebuild happens once any listed file changes.
var (
	cacheMu sync.Mutex
	cache   = map[string]cacheEntry{}
	// builds counts esbuild runs, so tests can tell a hit from a rebuild.
	builds atomic.Int64
)

type cacheEntry struct {
	bundle *Bundle
	inputs []string // absolute paths
	digest string
}

// cached returns the remembered bundle for key if its inputs are unchanged.
func cached(key string, conf *confinement) *Bundle {
	cacheMu.Lock()
	e, ok := cache[key]
	cacheMu.Unlock()
	if !ok {
		return nil
	}
	d, err := digest(conf, e.inputs)
	if err != nil || d != e.digest {
		return nil
	}
	return e.bundle
}

// remember stores a fresh bundle. Files that cannot be read now are left
// out of the entry, which then never hits.
func remember(key string, conf *confinement, b *Bundle, inputs []string) {
	d, err := digest(conf, inputs)
	if err != nil {
		return
	}
	cacheMu.Lock()
	cache[key] = cacheEntry{bundle: b, inputs: inputs, digest: d}
	cacheMu.Unlock()
}

// digest hashes the paths and contents of files, in sorted path order,
// reading them through the confinement as the build did.
func digest(conf *confinement, files []string) (string, error) {
	h := sha256.New()
	for _, f := range files {
		rel, err := conf.within(f)
		if err != nil {
			return "", err
		}
		data, err := safefile.ReadFileIn(conf.root, rel, MaxSourceFileBytes)
		if err != nil {
			return "", fmt.Errorf("hash bundle input: %w", err)
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "%d:%s %x\n", len(f), f, sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// metafileInputs lists the files esbuild read, as absolute sorted paths.
// Inputs in other namespaces (the builtin stand-ins, "ns:path") are not
// files and are skipped.
func metafileInputs(metafile, dir string) ([]string, error) {
	var meta struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(metafile), &meta); err != nil {
		return nil, fmt.Errorf("read esbuild metafile: %w", err)
	}
	var files []string
	for p := range meta.Inputs {
		if strings.HasPrefix(p, builtinNamespace+":") {
			continue
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, filepath.FromSlash(p))
		}
		files = append(files, p)
	}
	slices.Sort(files)
	return files, nil
}
