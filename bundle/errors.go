package bundle

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// BuildError is a failed build: every problem esbuild reported, each as
// one line of text (see the package documentation for their forms).
type BuildError struct {
	Problems []string
}

func (e *BuildError) Error() string { return strings.Join(e.Problems, "\n") }

// buildError converts esbuild's messages; graph (may be nil) adds where
// unresolved packages were looked for.
func buildError(msgs []api.Message, graph *importGraph) *BuildError {
	e := &BuildError{}
	for _, m := range msgs {
		e.Problems = append(e.Problems, problem(m, graph))
	}
	return e
}

// problem renders one esbuild message in our words.
func problem(m api.Message, graph *importGraph) string {
	if spec, ok := unresolved(m.Text); ok && m.Location != nil {
		return fmt.Sprintf("cannot resolve %q imported by %s%s", spec, m.Location.File, graph.unresolvedHint(spec, m.Location.File))
	}
	if m.Location == nil || m.Location.File == "" {
		return m.Text
	}
	return fmt.Sprintf("%s:%d:%d: %s", m.Location.File, m.Location.Line, m.Location.Column+1, m.Text)
}

// unresolved extracts the specifier from esbuild's `Could not resolve "x"`.
func unresolved(text string) (string, bool) {
	rest, ok := strings.CutPrefix(text, "Could not resolve ")
	if !ok {
		return "", false
	}
	if spec, err := strconv.Unquote(rest); err == nil {
		return spec, true
	}
	return strings.Trim(rest, `"`), true
}
