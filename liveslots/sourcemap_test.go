package liveslots

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/bundle"
)

// A vat's stack traces point at its own source files and lines, through
// the source map the bundler leaves in the bundle: TypeScript compiled
// away and a second module bundled in do not move them.
func TestStacksPointAtVatSource(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"vat.ts": `import { Far } from '@endo/far';
import { check } from './check.ts';

type Reading = { celsius: number };

export function buildRootObject() {
  return Far('root', {
    fail(): never {
      throw Error('vat cannot');
    },
    deep(r: Reading) {
      return check(r.celsius);
    },
    show() {
      console.error(Error('shown'));
      return 'shown';
    },
  });
}
`,
		"check.ts": `// check refuses readings below absolute zero.
export const check = (celsius: number): number => {
  if (celsius < -273.15) {
    throw RangeError('below absolute zero');
  }
  return celsius;
};
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bundle.Build(context.Background(), filepath.Join(dir, "vat.ts"))
	if err != nil {
		t.Fatal(err)
	}
	out := &captureLogger{}
	v, err := New(hclog.New(&hclog.LoggerOptions{Output: out, Level: hclog.Trace}), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if res := v.Deliver(startDelivery(b.Script, nil, nil)); res.Error != "" {
		t.Fatal(res.Error)
	}
	expectSyscalls(t, call(t, v, `#["fail",[]]`), `resolve p-1 rejected #{"#error":"vat cannot","name":"Error"} []`)
	expectSyscalls(t, call(t, v, `#["deep",[{"celsius":-300}]]`), `resolve p-1 rejected #{"#error":"below absolute zero","name":"RangeError"} []`)
	expectSyscalls(t, call(t, v, `#["show",[]]`), `resolve p-1 ok #"shown" []`)
	text := out.String()
	for _, want := range []string{
		"fail rejected: Error: vat cannot\n    at fail (vat.ts:9:13)",
		"deep rejected: RangeError: below absolute zero\n    at check.ts:4:11\n    at deep (vat.ts:12:14)",
		"Error: shown\n    at show (vat.ts:15:21)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "liveslots/") {
		t.Errorf("log shows the worker's own frames:\n%s", text)
	}
}
