package liveslots

import (
	"embed"
	"fmt"
	"sync"

	"github.com/dop251/goja"
)

// The liveslots JavaScript, one concept per file. Each file is a single
// function expression taking the shared `lib` object; they run in this order
// because each uses what the earlier ones put on lib. lockdown.js comes first
// so that everything after it, vat code included, meets frozen intrinsics.
// The files of lazyScripts run only when first used (see lazy.js).
//
//go:embed lockdown.js inspect.js passstyle.js assert.js marshal.js eventual.js lazy.js exo.js console.js baggage.js vom.js collections.js vatdata.js modules.js vrefs.js weakcollections.js sends.js liveslots.js
//go:embed patterns.js store.js kernelutils.js
var scriptFS embed.FS

var scriptOrder = []string{
	"lockdown.js",
	"inspect.js",
	"passstyle.js",
	"assert.js",
	"marshal.js",
	"eventual.js",
	"lazy.js",
	"exo.js",
	"console.js",
	"baggage.js",
	"vom.js",
	"collections.js",
	"vatdata.js",
	"modules.js",
	"vrefs.js",
	"weakcollections.js",
	"sends.js",
	"liveslots.js",
}

// Compiled once per process: a worker runs one vat, but tests and
// benchmarks make many.
var (
	compileOnce sync.Once
	programs    []*goja.Program
	compileErr  error
)

func compiledScripts() ([]*goja.Program, error) {
	compileOnce.Do(func() {
		for _, name := range scriptOrder {
			prog, err := compileScript(name)
			if err != nil {
				compileErr = err
				return
			}
			programs = append(programs, prog)
		}
	})
	return programs, compileErr
}

func compileScript(name string) (*goja.Program, error) {
	src, err := scriptFS.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("liveslots: reading %s: %w", name, err)
	}
	prog, err := goja.Compile("liveslots/"+name, string(src), true)
	if err != nil {
		return nil, fmt.Errorf("liveslots: compiling %s: %w", name, err)
	}
	return prog, nil
}

// lazyScripts are compiled on first use, once per process: they are a
// third of the liveslots source, and most vats never use them.
var lazyScripts = map[string]*lazyScript{
	"patterns.js":    {},
	"store.js":       {},
	"kernelutils.js": {},
}

type lazyScript struct {
	once sync.Once
	prog *goja.Program
	err  error
}

// loadScript runs the lazy script name in rt and returns its value, the
// function expression that the file is.
func loadScript(rt *goja.Runtime, name string) (goja.Value, error) {
	s, ok := lazyScripts[name]
	if !ok {
		return nil, fmt.Errorf("liveslots: no lazy script %q", name)
	}
	s.once.Do(func() { s.prog, s.err = compileScript(name) })
	if s.err != nil {
		return nil, s.err
	}
	fn, err := rt.RunProgram(s.prog)
	if err != nil {
		return nil, fmt.Errorf("liveslots: evaluating %s: %w", name, err)
	}
	return fn, nil
}

// loadScripts runs every liveslots file in rt, passing lib to each, and
// returns the value the last one (liveslots.js) returned: the dispatch
// object.
func loadScripts(rt *goja.Runtime, lib *goja.Object) (*goja.Object, error) {
	progs, err := compiledScripts()
	if err != nil {
		return nil, err
	}
	var last goja.Value
	for i, prog := range progs {
		fnVal, err := rt.RunProgram(prog)
		if err != nil {
			return nil, fmt.Errorf("liveslots: evaluating %s: %w", scriptOrder[i], err)
		}
		fn, ok := goja.AssertFunction(fnVal)
		if !ok {
			return nil, fmt.Errorf("liveslots: %s is not a function expression", scriptOrder[i])
		}
		last, err = fn(goja.Undefined(), lib)
		if err != nil {
			return nil, fmt.Errorf("liveslots: running %s: %w", scriptOrder[i], err)
		}
	}
	obj, ok := last.(*goja.Object)
	if !ok {
		return nil, fmt.Errorf("liveslots: liveslots.js returned %v, not the dispatch object", last)
	}
	return obj, nil
}
