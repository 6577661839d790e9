package marshal

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// reflect encodes the Go values outside the value model: named basic types,
// typed slices and arrays, maps with string keys, structs and pointers. It is
// the slow path; values produced by Unmarshal never get here.
func (e *encoder) reflect(v any, depth int) error {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		return e.value(rv.Elem().Interface(), depth+1)
	case reflect.Bool:
		return e.value(rv.Bool(), depth)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return e.int(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return e.uint(rv.Uint())
	case reflect.Float32:
		return e.value(float32(rv.Float()), depth)
	case reflect.Float64:
		return e.value(rv.Float(), depth)
	case reflect.String:
		e.string(rv.String())
		return nil
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return fmt.Errorf("cannot marshal %s: byte arrays have no smallcaps encoding yet", rv.Type())
		}
		return e.reflectList(rv, depth)
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("cannot marshal %s: record keys must be strings", rv.Type())
		}
		return e.reflectMap(rv, depth)
	case reflect.Struct:
		return e.reflectStruct(rv, depth)
	}
	return fmt.Errorf("cannot marshal %s", rv.Type())
}

func (e *encoder) reflectList(rv reflect.Value, depth int) error {
	e.buf = append(e.buf, '[')
	for i := range rv.Len() {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.value(rv.Index(i).Interface(), depth+1); err != nil {
			return atIndex(err, i)
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

func (e *encoder) reflectMap(rv reflect.Value, depth int) error {
	keys := rv.MapKeys()
	names := make([]string, len(keys))
	order := make([]int, len(keys))
	for i, k := range keys {
		names[i] = k.String()
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return compareKeys(names[a], names[b]) })
	e.buf = append(e.buf, '{')
	for n, i := range order {
		if n > 0 {
			e.buf = append(e.buf, ',')
		}
		e.string(names[i])
		e.buf = append(e.buf, ':')
		if err := e.value(rv.MapIndex(keys[i]).Interface(), depth+1); err != nil {
			return atKey(err, names[i])
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// reflectStruct writes a struct as a record of its exported fields, named
// as encoding/json names them.
func (e *encoder) reflectStruct(rv reflect.Value, depth int) error {
	e.buf = append(e.buf, '{')
	first := true
	for _, f := range structFields(rv.Type()) {
		fv, err := rv.FieldByIndexErr(f.index)
		if err != nil {
			continue // inside a nil embedded pointer
		}
		if f.omitEmpty && isEmpty(fv) {
			continue
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.string(f.name)
		e.buf = append(e.buf, ':')
		if err := e.value(fv.Interface(), depth+1); err != nil {
			return atKey(err, f.name)
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// isEmpty is omitempty's notion of empty, as in encoding/json: false, 0, "",
// nil, and empty slices, maps and arrays (structs are never empty).
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Struct:
		return false
	}
	return v.IsZero()
}

// field is one record entry of a struct type.
type field struct {
	name      string
	index     []int
	omitEmpty bool
}

var structFieldCache sync.Map // reflect.Type → []field

// structFields lists t's record entries in record key order. Untagged
// exported embedded structs contribute their fields; when two fields claim one name
// the shallower (then earlier) one wins.
func structFields(t reflect.Type) []field {
	if cached, ok := structFieldCache.Load(t); ok {
		return cached.([]field)
	}
	var fields []field
	seen := map[string]bool{}
	type pending struct {
		t     reflect.Type
		index []int
	}
	queue := []pending{{t, nil}}
	visited := map[reflect.Type]bool{}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if visited[p.t] {
			continue
		}
		visited[p.t] = true
		for i := range p.t.NumField() {
			sf := p.t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			index := append(slices.Clone(p.index), i)
			if !sf.IsExported() {
				// Fields reached through an unexported embedded struct
				// cannot be read without unsafe tricks; skip them all.
				continue
			}
			if sf.Anonymous && name == "" {
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					queue = append(queue, pending{ft, index})
					continue
				}
			}
			if name == "" {
				name = sf.Name
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			fields = append(fields, field{
				name:      name,
				index:     index,
				omitEmpty: slices.Contains(strings.Split(opts, ","), "omitempty"),
			})
		}
	}
	slices.SortStableFunc(fields, func(a, b field) int { return compareKeys(a.name, b.name) })
	structFieldCache.Store(t, fields)
	return fields
}
