package ocap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strings"
	"unicode"

	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/router"
)

// ServiceFunc is one method of a dynamic kernel service: it gets the
// call's arguments as decoded passables (strings, float64, bool, *big.Int,
// []any, map[string]any, Ref, ...).
type ServiceFunc func(ctx context.Context, args []any) (any, error)

// KernelService is a service registered when the kernel is made, before
// system subclusters launch (see Options.KernelServices).
type KernelService struct {
	Name       string
	Object     any
	SystemOnly bool
}

// ServiceOption changes how a service is registered.
type ServiceOption func(*serviceOptions)

type serviceOptions struct{ systemOnly bool }

// SystemOnly lets only system subclusters use the service.
func SystemOnly() ServiceOption { return func(o *serviceOptions) { o.systemOnly = true } }

// RegisterKernelServiceObject makes obj callable from vats as the service
// name. obj is either a Go value whose exported methods are the service's
// methods (GetTemperature answers getTemperature; an optional leading
// context.Context; results (T), (T, error) or error), or a
// map[string]ServiceFunc. Register a service before launching a subcluster
// that asks for it; a subcluster restored from the store whose service is
// not registered yet has its calls wait until it is.
func (k *Kernel) RegisterKernelServiceObject(name string, obj any, opts ...ServiceOption) error {
	var o serviceOptions
	for _, opt := range opts {
		opt(&o)
	}
	h, err := serviceHandler(name, obj)
	if err != nil {
		return err
	}
	_, err = k.r.RegisterService(context.Background(), name, h, o.systemOnly)
	return err
}

func serviceHandler(name string, obj any) (router.ServiceHandler, error) {
	if name == "" {
		return nil, errors.New("registering a kernel service: empty name")
	}
	if funcs, ok := obj.(map[string]ServiceFunc); ok {
		return func(ctx context.Context, method string, args []any) (any, error) {
			f, ok := funcs[method]
			if !ok {
				return nil, noMethod(name, method, mapKeys(funcs))
			}
			return f(ctx, args)
		}, nil
	}
	v := reflect.ValueOf(obj)
	if !v.IsValid() || v.NumMethod() == 0 {
		return nil, fmt.Errorf("kernel service %q: %T has no exported methods (pass a value with methods or a map[string]ocap.ServiceFunc)", name, obj)
	}
	methods := map[string]*goMethod{}
	for i := 0; i < v.NumMethod(); i++ {
		m := v.Type().Method(i)
		gm, err := newGoMethod(name, m.Name, v.Method(i))
		if err != nil {
			return nil, err
		}
		methods[jsName(m.Name)] = gm
	}
	return func(ctx context.Context, method string, args []any) (any, error) {
		m, ok := methods[method]
		if !ok {
			return nil, noMethod(name, method, mapKeys(methods))
		}
		return m.call(ctx, args)
	}, nil
}

// goMethod is a reflected service method.
type goMethod struct {
	service, name string
	fn            reflect.Value
	withCtx       bool
	params        []reflect.Type
	variadic      bool
	hasValue      bool
	hasErr        bool
}

var (
	ctxType = reflect.TypeOf((*context.Context)(nil)).Elem()
	errType = reflect.TypeOf((*error)(nil)).Elem()
	refType = reflect.TypeOf(marshal.Ref{})
	bigType = reflect.TypeOf((*big.Int)(nil))
)

func newGoMethod(service, goName string, fn reflect.Value) (*goMethod, error) {
	t := fn.Type()
	m := &goMethod{service: service, name: jsName(goName), fn: fn, variadic: t.IsVariadic()}
	for i := 0; i < t.NumIn(); i++ {
		if i == 0 && t.In(0) == ctxType {
			m.withCtx = true
			continue
		}
		m.params = append(m.params, t.In(i))
	}
	switch {
	case t.NumOut() == 0:
	case t.NumOut() == 1 && t.Out(0) == errType:
		m.hasErr = true
	case t.NumOut() == 1:
		m.hasValue = true
	case t.NumOut() == 2 && t.Out(1) == errType:
		m.hasValue, m.hasErr = true, true
	default:
		return nil, fmt.Errorf("kernel service %q: method %s must return (T), (T, error), error or nothing", service, goName)
	}
	return m, nil
}

func (m *goMethod) call(ctx context.Context, args []any) (any, error) {
	n := len(m.params)
	if (!m.variadic && len(args) != n) || (m.variadic && len(args) < n-1) {
		return nil, &marshal.Error{Name: "TypeError", Message: fmt.Sprintf("kernel service %q: %s expects %s, got %d", m.service, m.name, plural(n, m.variadic), len(args))}
	}
	in := make([]reflect.Value, 0, len(args)+1)
	if m.withCtx {
		in = append(in, reflect.ValueOf(ctx))
	}
	for i, a := range args {
		t := m.paramType(i)
		v, err := convertArg(a, t)
		if err != nil {
			return nil, &marshal.Error{Name: "TypeError", Message: fmt.Sprintf("kernel service %q: %s argument %d: %v", m.service, m.name, i+1, err)}
		}
		in = append(in, v)
	}
	out := m.fn.Call(in)
	var value any
	if m.hasValue {
		value = out[0].Interface()
	}
	if m.hasErr {
		if e := out[len(out)-1]; !e.IsNil() {
			return nil, e.Interface().(error)
		}
	}
	return value, nil
}

func (m *goMethod) paramType(i int) reflect.Type {
	if m.variadic && i >= len(m.params)-1 {
		return m.params[len(m.params)-1].Elem()
	}
	return m.params[i]
}

// convertArg turns a decoded passable into a value of type t.
func convertArg(a any, t reflect.Type) (reflect.Value, error) {
	if t.Kind() == reflect.Interface {
		if a == nil {
			return reflect.Zero(t), nil
		}
		v := reflect.ValueOf(a)
		if !v.Type().Implements(t) {
			return reflect.Value{}, fmt.Errorf("want %s, got %s", t, kindOf(a))
		}
		return v, nil
	}
	switch {
	case t == refType, t == bigType:
		if v := reflect.ValueOf(a); a != nil && v.Type() == t {
			return v, nil
		}
		return reflect.Value{}, fmt.Errorf("want %s, got %s", typeName(t), kindOf(a))
	}
	switch t.Kind() {
	case reflect.String:
		if s, ok := a.(string); ok {
			return reflect.ValueOf(s).Convert(t), nil
		}
	case reflect.Bool:
		if b, ok := a.(bool); ok {
			return reflect.ValueOf(b).Convert(t), nil
		}
	case reflect.Float32, reflect.Float64:
		if f, ok := a.(float64); ok {
			return reflect.ValueOf(f).Convert(t), nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if f, ok := a.(float64); ok {
			v := reflect.New(t).Elem()
			if f != math.Trunc(f) || overflows(v, f) {
				return reflect.Value{}, fmt.Errorf("want %s, got %v", t, f)
			}
			if v.CanInt() {
				v.SetInt(int64(f))
			} else {
				v.SetUint(uint64(f))
			}
			return v, nil
		}
	case reflect.Slice:
		if arr, ok := a.([]any); ok {
			out := reflect.MakeSlice(t, len(arr), len(arr))
			for i, e := range arr {
				v, err := convertArg(e, t.Elem())
				if err != nil {
					return reflect.Value{}, fmt.Errorf("[%d]: %w", i, err)
				}
				out.Index(i).Set(v)
			}
			return out, nil
		}
	case reflect.Map:
		if rec, ok := a.(map[string]any); ok && t.Key().Kind() == reflect.String {
			out := reflect.MakeMapWithSize(t, len(rec))
			for key, e := range rec {
				v, err := convertArg(e, t.Elem())
				if err != nil {
					return reflect.Value{}, fmt.Errorf(".%s: %w", key, err)
				}
				out.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), v)
			}
			return out, nil
		}
	case reflect.Struct, reflect.Pointer:
		if rec, ok := a.(map[string]any); ok {
			b, err := json.Marshal(marshal.ToJSON(rec))
			if err != nil {
				return reflect.Value{}, err
			}
			p := reflect.New(t)
			dec := json.NewDecoder(strings.NewReader(string(b)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(p.Interface()); err != nil {
				return reflect.Value{}, fmt.Errorf("record does not fit %s: %v", t, err)
			}
			return p.Elem(), nil
		}
	}
	return reflect.Value{}, fmt.Errorf("want %s, got %s", typeName(t), kindOf(a))
}

func overflows(v reflect.Value, f float64) bool {
	if v.CanInt() {
		return f < math.MinInt64 || f > math.MaxInt64 || v.OverflowInt(int64(f))
	}
	return f < 0 || f > math.MaxUint64 || v.OverflowUint(uint64(f))
}

// kindOf names a passable's kind as a JavaScript programmer would.
func kindOf(a any) string {
	switch a.(type) {
	case nil:
		return "null"
	case marshal.Undefined:
		return "undefined"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case *big.Int:
		return "a bigint"
	case []any:
		return "an array"
	case map[string]any:
		return "a record"
	case marshal.Ref:
		return "a remotable"
	default:
		return fmt.Sprintf("%T", a)
	}
}

func typeName(t reflect.Type) string {
	switch t {
	case refType:
		return "a remotable (ocap.Ref)"
	case bigType:
		return "a bigint"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "a record"
	}
	if t.ConvertibleTo(reflect.TypeOf(0.0)) {
		return "a number"
	}
	return t.String()
}

func plural(n int, variadic bool) string {
	if variadic {
		return fmt.Sprintf("at least %d arguments", n-1)
	}
	if n == 1 {
		return "1 argument"
	}
	return fmt.Sprintf("%d arguments", n)
}

func jsName(goName string) string {
	r := []rune(goName)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

func noMethod(service, method string, have []string) error {
	return &marshal.Error{Name: "TypeError", Message: fmt.Sprintf("kernel service %q has no method %q, has [%s]", service, method, strings.Join(have, ", "))}
}
