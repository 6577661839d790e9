package liveslots

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-sourcemap/sourcemap"
)

// sourceMapPrefix starts the comment in which the bundler leaves the
// bundle's source map (see package bundle).
const sourceMapPrefix = "//# sourceMappingURL=data:application/json;base64,"

// vatFrame matches one line of a goja stack: "at fn (file:line:col(pc))"
// or "at file:line:col(pc)".
var vatFrame = regexp.MustCompile(`^\s*at (?:(.*) \()?([^\s()]+):(\d+):(\d+)\(\d+\)\)?$`)

// sourceMap is the vat bundle's source map, read on first use: a vat that
// never shows a stack never pays for it. nil when the bundle has none.
func (v *Vat) sourceMap() *sourcemap.Consumer {
	if !v.sourceMapRead {
		v.sourceMapRead = true
		v.sourceMapped = parseSourceMap(v.bundleName, v.bundleSource)
	}
	return v.sourceMapped
}

// parseSourceMap reads the inline source map at the end of a bundle. Only
// an inline one is read: the worker opens no file a vat names. A map is
// the vat's own data (a prebuilt bundle may carry any): one the parser
// chokes on is no map.
func parseSourceMap(name, src string) (sm *sourcemap.Consumer) {
	defer func() {
		if recover() != nil {
			sm = nil
		}
	}()
	i := strings.LastIndex(src, "\n"+sourceMapPrefix)
	if i < 0 {
		return nil
	}
	enc := src[i+1+len(sourceMapPrefix):]
	if j := strings.IndexByte(enc, '\n'); j >= 0 {
		enc = enc[:j]
	}
	data, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil
	}
	if sm, err = sourcemap.Parse(name, data); err != nil {
		return nil
	}
	return sm
}

// vatStack rewrites an error's stack for people reading the vat's log:
// frames in the vat's bundle point at the vat's own files and lines, as
// the source map gives them, and frames in the worker's own scripts
// (liveslots, the endowments) are left out, as they say nothing about the
// vat's code. The first line, the error's name and message, stays.
func (v *Vat) vatStack(stack string) (mapped string) {
	defer func() {
		if recover() != nil { // a malformed map: the stack as goja gave it
			mapped = stack
		}
	}()
	lines := strings.Split(stack, "\n")
	out := lines[:1]
	sm := v.sourceMap()
	for _, line := range lines[1:] {
		m := vatFrame.FindStringSubmatch(line)
		if m == nil || m[2] != v.bundleName {
			continue
		}
		fn, file := m[1], m[2]
		row, _ := strconv.Atoi(m[3])
		col, _ := strconv.Atoi(m[4])
		if sm != nil {
			if src, _, srow, scol, ok := sm.Source(row, col-1); ok {
				file, row, col = src, srow, scol+1
			}
		}
		at := file + ":" + strconv.Itoa(row) + ":" + strconv.Itoa(col)
		if fn != "" {
			at = fn + " (" + at + ")"
		}
		out = append(out, "    at "+at)
	}
	return strings.Join(out, "\n")
}
