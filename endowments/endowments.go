package endowments

import (
	"embed"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/dop251/goja"
	"github.com/hashicorp/go-hclog"
)

// Names is the default set, in the order of DESIGN.md: every global Make
// can provide.
var Names = []string{
	"setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date", "Math",
	"crypto", "SubtleCrypto", "TextEncoder", "TextDecoder", "URL", "URLSearchParams",
	"atob", "btoa", "AbortController", "AbortSignal", "fetch", "Request", "Headers", "Response",
}

// Default limits.
const (
	// DefaultMaxTimers bounds the timers one vat may have pending at once.
	DefaultMaxTimers = 10000
	// DefaultMaxResponseBytes bounds one fetch response body (16 MiB).
	DefaultMaxResponseBytes = 16 << 20
	// DefaultMaxOpenRequests bounds the fetch exchanges one vat may have
	// open (requests in flight and bodies not yet read): each holds a
	// connection.
	DefaultMaxOpenRequests = 256
)

// Config is what a factory gets to build one vat's endowments.
type Config struct {
	// VatID names the vat in errors and logs.
	VatID string
	// Runtime is the vat's goja runtime. A factory runs on the runtime's
	// goroutine and may use it freely; so does everything it enqueues.
	Runtime *goja.Runtime
	// Names are the globals the vat asked for, already checked against the
	// kernel-wide allowlist. A factory builds these (it may build more:
	// only these are installed).
	Names []string
	// PlatformConfig is the vat's platformConfig as JSON, or empty. The
	// fetch allowlist is read from "fetch.allowedHosts" or
	// "network.allowedHosts", the body limit from
	// "fetch.maxResponseBytes".
	PlatformConfig []byte
	// FetchAllowedHosts is the kernel-wide fetch allowlist, intersected
	// with the vat's own. Nil means no kernel-wide restriction; an empty
	// list refuses every host.
	FetchAllowedHosts []string
	// Enqueue queues fn to run on the runtime's goroutine between
	// deliveries, as one turn of the vat: the microtasks fn causes run
	// before the next queued function. It may be called from any
	// goroutine, never blocks, and keeps the order of calls. It returns
	// false once the vat is torn down; fn is then dropped.
	Enqueue func(fn func()) bool
	// Logger is the vat's logger (lines reach the kernel log tagged with
	// the vat). Nil discards.
	Logger hclog.Logger
	// MaxTimers bounds pending timers. Defaults to DefaultMaxTimers.
	MaxTimers int
	// MaxResponseBytes bounds a fetch response body when the vat's
	// platformConfig does not. Defaults to DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// MaxOpenRequests bounds open fetch exchanges. Defaults to
	// DefaultMaxOpenRequests.
	MaxOpenRequests int
}

// Endowments is what a factory returns: the globals by name (liveslots
// hardens each and adds the requested ones to the vat's global object
// before vat code runs) and the teardown that releases everything they
// hold. Teardown is called once, when the vat stops or its worker exits;
// it must not block for long and may be called from any goroutine.
type Endowments struct {
	Globals  map[string]goja.Value
	Teardown func()
}

// Factory builds one vat's endowments: the Go form of the guide's
// makeAllowedGlobals. An error fails the vat's start with its text.
type Factory func(cfg Config) (*Endowments, error)

// Make is the default Factory: it builds the groups the requested names
// belong to, each with its own teardown. A name outside Names is left out
// (a custom factory may offer it after calling Make); liveslots fails the
// start with `requested unknown global` for a name nobody offered.
func Make(cfg Config) (*Endowments, error) {
	if cfg.Runtime == nil {
		return nil, errors.New("endowments: Config.Runtime is nil")
	}
	if cfg.Enqueue == nil {
		return nil, errors.New("endowments: Config.Enqueue is nil")
	}
	e := newEnv(cfg)
	out := &Endowments{Globals: map[string]goja.Value{}, Teardown: e.teardown}
	for _, g := range groups {
		if !slices.ContainsFunc(g.names, e.granted) {
			continue
		}
		globals, err := e.build(g)
		if err != nil {
			e.teardown()
			return nil, err
		}
		for name, v := range globals {
			out.Globals[name] = v
		}
	}
	return out, nil
}

// group is one file's factory: the names it provides and how to build them.
type group struct {
	names []string
	make  func(e *env) (map[string]goja.Value, error)
}

// groups lists every file's factory. Order matters only for logs.
var groups = []group{
	{[]string{"setTimeout", "clearTimeout", "setInterval", "clearInterval"}, makeTimers},
	{[]string{"Date"}, makeDate},
	{[]string{"Math"}, makeMath},
	{[]string{"crypto", "SubtleCrypto"}, makeCrypto},
	{[]string{"TextEncoder", "TextDecoder"}, makeText},
	{[]string{"URL", "URLSearchParams"}, makeURL},
	{[]string{"atob", "btoa"}, makeBase64},
	{[]string{"AbortController", "AbortSignal"}, makeAbort},
	{[]string{"fetch", "Request", "Headers", "Response"}, makeNetwork},
}

// env is the state shared by one vat's groups: the runtime, the JavaScript
// modules already run (a group may need another's, as fetch needs URL and
// AbortSignal) and the teardowns collected so far.
type env struct {
	cfg     Config
	rt      *goja.Runtime
	log     hclog.Logger
	lib     *goja.Object
	modules map[string]*goja.Object

	sched *scheduler // the vat's timers, once made

	mu        sync.Mutex
	teardowns []func()
	torn      bool
}

func newEnv(cfg Config) *env {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.MaxTimers <= 0 {
		cfg.MaxTimers = DefaultMaxTimers
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxOpenRequests <= 0 {
		cfg.MaxOpenRequests = DefaultMaxOpenRequests
	}
	e := &env{cfg: cfg, rt: cfg.Runtime, log: cfg.Logger, lib: cfg.Runtime.NewObject(), modules: map[string]*goja.Object{}}
	e.set("host_report", func(where, text string) {
		e.log.Warn("uncaught exception in "+where, "error", text)
	})
	return e
}

func (e *env) granted(name string) bool { return slices.Contains(e.cfg.Names, name) }

// build runs one group's factory, turning a panic (a goja error thrown
// while setting up) into an error.
func (e *env) build(g group) (globals map[string]goja.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			globals, err = nil, fmt.Errorf("endowments: setting up %v: %v", g.names, r)
		}
	}()
	return g.make(e)
}

// onTeardown registers fn to run at teardown (in reverse order).
func (e *env) onTeardown(fn func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.torn {
		go fn()
		return
	}
	e.teardowns = append(e.teardowns, fn)
}

func (e *env) teardown() {
	e.mu.Lock()
	fns := e.teardowns
	e.teardowns, e.torn = nil, true
	e.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// set puts a Go function (or value) on lib for the scripts to use.
func (e *env) set(name string, v any) {
	if err := e.lib.Set(name, v); err != nil {
		panic(err)
	}
}

// The JavaScript half of each group. Each file is one function expression
// taking lib (host functions and what earlier modules exported) and
// returning its exports.
//
//go:embed js/*.js
var scriptFS embed.FS

var (
	compileMu sync.Mutex
	compiled  = map[string]*goja.Program{}
)

func program(name string) (*goja.Program, error) {
	compileMu.Lock()
	defer compileMu.Unlock()
	if p, ok := compiled[name]; ok {
		return p, nil
	}
	src, err := scriptFS.ReadFile("js/" + name + ".js")
	if err != nil {
		return nil, err
	}
	p, err := goja.Compile("endowments/"+name+".js", string(src), true)
	if err != nil {
		return nil, err
	}
	compiled[name] = p
	return p, nil
}

// module runs the script name once per vat and returns its exports; the
// exports are also put on lib under the module's name.
func (e *env) module(name string) *goja.Object {
	if m, ok := e.modules[name]; ok {
		return m
	}
	if name != "common" {
		e.module("common")
	}
	for _, d := range moduleDeps[name] {
		e.module(d)
	}
	prog, err := program(name)
	if err != nil {
		panic(err)
	}
	fnVal, err := e.rt.RunProgram(prog)
	if err != nil {
		panic(err)
	}
	fn, ok := goja.AssertFunction(fnVal)
	if !ok {
		panic(fmt.Errorf("endowments: %s.js is not a function expression", name))
	}
	out, err := fn(goja.Undefined(), e.lib)
	if err != nil {
		panic(err)
	}
	obj := out.ToObject(e.rt)
	e.modules[name] = obj
	e.set(name, obj)
	return obj
}

// moduleDeps: scripts that use another's exports through lib (besides
// common.js, which every script uses).
var moduleDeps = map[string][]string{
	"body":    {"url"},
	"network": {"url", "abort", "headers", "body"},
}

// get reads an export of a module.
func (e *env) get(module, name string) goja.Value {
	return e.module(module).Get(name)
}

// exports picks the named exports of a module as globals.
func (e *env) exports(module string, names ...string) map[string]goja.Value {
	m := e.module(module)
	out := make(map[string]goja.Value, len(names))
	for _, n := range names {
		out[n] = m.Get(n)
	}
	return out
}

// callable asserts that v is a function.
func callable(v goja.Value) goja.Callable {
	fn, ok := goja.AssertFunction(v)
	if !ok {
		panic(errors.New("endowments: expected a function"))
	}
	return fn
}

// throw raises a JavaScript error of the given name from inside a host
// function: goja turns the panic into a throw in the calling script.
// TypeError and RangeError are the ECMAScript ones; any other name is a
// DOMException.
func (e *env) throw(name, msg string) {
	var err goja.Value
	switch name {
	case "TypeError":
		err = e.rt.NewTypeError(msg)
	case "RangeError":
		ctor := e.rt.Get("RangeError")
		obj, cerr := e.rt.New(ctor, e.rt.ToValue(msg))
		if cerr != nil {
			panic(cerr)
		}
		err = obj
	default:
		obj, cerr := e.rt.New(e.get("common", "DOMException"), e.rt.ToValue(msg), e.rt.ToValue(name))
		if cerr != nil {
			panic(cerr)
		}
		err = obj
	}
	panic(err)
}

// bytesOf copies the bytes of an ArrayBuffer argument (the scripts pass
// every BufferSource as an ArrayBuffer). Anything else is a TypeError.
func (e *env) bytesOf(v goja.Value, what string) []byte {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil
	}
	ab, ok := v.Export().(goja.ArrayBuffer)
	if !ok {
		e.throw("TypeError", what+" must be an ArrayBuffer or a view of one")
	}
	return slices.Clone(ab.Bytes())
}

// buffer makes a fresh ArrayBuffer holding b.
func (e *env) buffer(b []byte) goja.Value {
	return e.rt.ToValue(e.rt.NewArrayBuffer(b))
}

// reportError logs an exception that no vat code can catch (a timer
// callback threw, an abort listener threw).
func (e *env) reportError(where string, err error) {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		e.log.Warn("uncaught exception in "+where, "error", ex.Value().String(), "stack", ex.String())
		return
	}
	e.log.Warn("uncaught exception in "+where, "error", err)
}
