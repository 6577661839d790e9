package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ocapgo/ocap/internal/safefile"
)

// headerPrefix starts the comment line WriteFile puts before the script.
const headerPrefix = "// ocap bundle of "

// WriteFile stores b at out: a first line `// ocap bundle of <name>`, then
// the script, byte for byte.
func WriteFile(b *Bundle, out string) error {
	data, err := Encode(b)
	if err != nil {
		return fmt.Errorf("write bundle %s: %w", out, err)
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	return nil
}

// Encode returns the content of b's bundle file, as WriteFile writes it.
func Encode(b *Bundle) ([]byte, error) {
	if strings.ContainsAny(b.Name, "\r\n") {
		return nil, fmt.Errorf("source name %q holds a line break", b.Name)
	}
	return []byte(headerPrefix + b.Name + "\n" + b.Script), nil
}

// Load reads a bundle file: a regular file of at most MaxSourceTotalBytes.
// A file written by WriteFile gives back the same Script, Hash and Name; any
// other file is taken as a bare script named after the file.
func Load(path string) (*Bundle, error) {
	data, err := safefile.ReadFile(path, MaxSourceTotalBytes)
	if err != nil {
		return nil, fmt.Errorf("load bundle: %w", err)
	}
	script := string(data)
	name := filepath.Base(path)
	if rest, ok := strings.CutPrefix(script, headerPrefix); ok {
		if first, body, found := strings.Cut(rest, "\n"); found {
			name, script = first, body
		}
	}
	return newBundle(script, name), nil
}
