package bundle

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dop251/goja"
)

const secret = "SECRET-CONTENT-7f3a"

// TestBuildConfinedRefusals builds vats that try to read files outside their
// folder or files that are not plain source; each build fails, says why,
// and never quotes what the file holds.
func TestBuildConfinedRefusals(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret.txt": secret, "secret.js": "export const s = '" + secret + "';"})
	vat := func(body string) map[string]string {
		return map[string]string{"vat.js": body + "\nexport function buildRootObject() { return {}; }\n"}
	}
	cases := []struct {
		name  string
		files map[string]string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"absolute import", vat(`import s from '` + filepath.Join(outside, "secret.txt") + `' with {type: 'text'};`), nil, "is an absolute path"},
		{"absolute device", vat(`import z from '/dev/zero' with {type: 'text'};`), nil, "is an absolute path"},
		{"proc environ", vat(`import e from '/proc/self/environ' with {type: 'text'};`), nil, "is an absolute path"},
		{"file URL", vat(`import e from 'file:///etc/passwd' with {type: 'text'};`), nil, "is an absolute path"},
		{"escaping import", vat(`import s from 'OUT/secret.txt' with {type: 'text'};`), nil, "outside the vat's source folder"},
		{"escaping js import", vat(`import { s } from 'OUT/secret.js';`), nil, "outside the vat's source folder"},
		{"deep escape to device", vat(`import z from '../../../../../../../../dev/zero' with {type: 'text'};`), nil, "outside the vat's source folder"},
		{"symlink out", vat(`import s from './link.txt' with {type: 'text'};`), func(t *testing.T, dir string) {
			if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "link.txt")); err != nil {
				t.Fatal(err)
			}
		}, "outside the vat's source folder"},
		{"fifo", vat(`import s from './pipe.txt' with {type: 'text'};`), func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "pipe.txt"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file (a FIFO)"},
		{"too large", vat(`import s from './big.txt' with {type: 'text'};`), func(t *testing.T, dir string) {
			// A sparse file: its size is what counts, nothing is written.
			if err := os.Truncate(filepath.Join(dir, "big.txt"), MaxSourceFileBytes+1); err != nil {
				t.Fatal(err)
			}
		}, "file too large (over the 16 MiB limit)"},
		{"unknown attribute", vat(`import s from './data.txt' with {type: 'css'};`), nil, `type attribute of "css" is not supported`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, nil)
			rel, err := filepath.Rel(dir, outside)
			if err != nil {
				t.Fatal(err)
			}
			for name, body := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(body, "OUT", rel)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tc.name == "too large" {
				if err := os.WriteFile(filepath.Join(dir, "big.txt"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tc.name == "unknown attribute" {
				if err := os.WriteFile(filepath.Join(dir, "data.txt"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			_, err = Build(context.Background(), filepath.Join(dir, "vat.js"))
			if err == nil {
				t.Fatal("build succeeded; want a refusal")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q; want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes the file's content: %q", err)
			}
		})
	}
}

// TestBuildWithinRoot: a vat in a subfolder of the root may import files
// elsewhere under the root, text and bytes included, and packages from a
// node_modules below it; the entry itself must be under the root.
func TestBuildWithinRoot(t *testing.T) {
	root := writeTree(t, map[string]string{
		"vats/vat.js": `import { tag } from '../lib/tag.js';
import note from '../lib/note.txt' with {type: 'text'};
import raw from '../lib/note.txt' with {type: 'bytes'};
import { pad } from 'padder';
export function buildRootObject() { return { hello: () => pad(tag + note + raw.length) }; }
`,
		"lib/tag.js":                       "export const tag = 'T:';",
		"lib/note.txt":                     "hi",
		"node_modules/padder/package.json": `{"name": "padder", "main": "index.js"}`,
		"node_modules/padder/index.js":     "export function pad(s) { return '[' + s + ']'; }",
	})
	b, err := BuildWithin(context.Background(), root, filepath.Join(root, "vats", "vat.js"))
	if err != nil {
		t.Fatal(err)
	}
	vm := goja.New()
	vm.Set("ns", runVat(t, vm, b.Script))
	v, err := vm.RunString(`ns.buildRootObject().hello()`)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.String(); got != "[T:hi2]" {
		t.Errorf("hello() = %q, want %q", got, "[T:hi2]")
	}
	_, err = BuildWithin(context.Background(), filepath.Join(root, "lib"), filepath.Join(root, "vats", "vat.js"))
	if err == nil || !strings.Contains(err.Error(), "outside the vat's source folder") {
		t.Errorf("entry outside the root: error %v, want one saying it is outside", err)
	}
}

// TestLoadRefusesSpecialFiles: a bundle file must be a regular file.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	if _, err := Load("/dev/zero"); err == nil || !strings.Contains(err.Error(), "not a regular file (a device)") {
		t.Errorf("Load(/dev/zero): %v, want a not-a-regular-file error", err)
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.js")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(fifo); err == nil || !strings.Contains(err.Error(), "a FIFO") {
		t.Errorf("Load(fifo): %v, want a FIFO error", err)
	}
}
