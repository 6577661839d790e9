package ocap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/ocapgo/ocap/internal/safefile"
)

// ClusterConfig describes a subcluster: its vats, which one bootstraps, and
// the kernel services and IO channels handed to the bootstrap. Its JSON form
// is the JavaScript kernel's, so a cluster config file works with both.
type ClusterConfig struct {
	Bootstrap  string               `json:"bootstrap"`
	ForceReset bool                 `json:"forceReset,omitempty"`
	Services   []string             `json:"services,omitempty"`
	IO         map[string]IOConfig  `json:"io,omitempty"`
	Vats       map[string]VatConfig `json:"vats"`
	Bundles    map[string]VatConfig `json:"bundles,omitempty"`
	// VatOrder is the order vats launch in: the JSON order of "vats" when
	// parsed; when empty, sorted names.
	VatOrder []string `json:"-"`
	// Dir is the folder relative sourceSpec/bundleSpec paths resolve against
	// ("" = the working directory).
	Dir string `json:"-"`
}

// VatConfig describes one vat: where its code comes from (exactly one of
// SourceSpec, BundleSpec, BundleName) and what it is started with.
type VatConfig struct {
	SourceSpec      string          `json:"sourceSpec,omitempty"`
	BundleSpec      string          `json:"bundleSpec,omitempty"`
	BundleName      string          `json:"bundleName,omitempty"`
	CreationOptions map[string]any  `json:"creationOptions,omitempty"`
	Parameters      map[string]any  `json:"parameters,omitempty"`
	PlatformConfig  json.RawMessage `json:"platformConfig,omitempty"`
	Globals         []string        `json:"globals,omitempty"`
	// Network is the JavaScript kernel's newer spelling of the fetch
	// allowlist (platformConfig.fetch.allowedHosts is the older one).
	Network *VatNetworkConfig `json:"network,omitempty"`
}

// VatNetworkConfig is a vat's "network" entry.
type VatNetworkConfig struct {
	AllowedHosts []string `json:"allowedHosts"`
}

// IOConfig is one entry of a cluster's "io": a channel the kernel opens and
// offers to the bootstrap vat as a service of the same name. The shape is
// the JavaScript kernel's: "file" and "socket" take a Path, "listen" and
// "network" a Hostport ("127.0.0.1:8080"), "console" neither.
type IOConfig struct {
	Type     string `json:"type"`
	Path     string `json:"path,omitempty"`
	Hostport string `json:"hostport,omitempty"`
	// Direction is "in", "out" or "inout" ("" = the channel's default).
	Direction string `json:"direction,omitempty"`
	// Unit is what one read returns: "line", "string", "chars" or "bytes".
	Unit string `json:"unit,omitempty"`
}

// SystemSubclusterConfig names a subcluster the kernel launches at start
// and restores afterwards.
type SystemSubclusterConfig struct {
	Name   string        `json:"name"`
	Config ClusterConfig `json:"config"`
}

// MaxClusterConfigBytes caps the size of a cluster config file.
const MaxClusterConfigBytes = 1 << 20

// LoadClusterConfig reads, parses and validates the cluster config file at
// path: a regular file of at most MaxClusterConfigBytes. Dir becomes the
// file's folder (absolute), so relative sourceSpec and bundleSpec paths
// resolve against it. Errors name the file, and for a parse error the line
// and column, but quote nothing of a file that is not JSON.
func LoadClusterConfig(path string) (*ClusterConfig, error) {
	data, err := safefile.ReadFile(path, MaxClusterConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("reading cluster config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("reading cluster config: %w", err)
	}
	c, err := ParseClusterConfig(data, filepath.Dir(abs))
	if err != nil {
		var pe *configParseError
		if errors.As(err, &pe) {
			pe.file = path
			return nil, pe
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseClusterConfig parses and validates a cluster config. Unknown fields
// are errors (a typo must not silently drop a setting), as are JSON syntax
// and type errors, reported as "line:column: message". dir becomes Dir.
func ParseClusterConfig(data []byte, dir string) (*ClusterConfig, error) {
	c := &ClusterConfig{}
	if err := c.decode(data); err != nil {
		var pe *configParseError
		if errors.As(err, &pe) {
			pe.locate(data)
		}
		return nil, err
	}
	c.Dir = dir
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// UnmarshalJSON decodes a config as ParseClusterConfig does, keeping the
// JSON order of "vats" in VatOrder, but does not validate it.
func (c *ClusterConfig) UnmarshalJSON(data []byte) error {
	var d ClusterConfig
	if err := d.decode(data); err != nil {
		return err
	}
	d.Dir = c.Dir
	*c = d
	return nil
}

// MarshalJSON writes the config with "vats" in Order(), so a stored config
// reads back with the same launch order.
func (c ClusterConfig) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	field := func(name string, v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encoding cluster config %s: %w", name, err)
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:", name)
		b.Write(data)
		return nil
	}
	b.WriteByte('{')
	if err := field("bootstrap", c.Bootstrap); err != nil {
		return nil, err
	}
	if c.ForceReset {
		b.WriteString(`,"forceReset":true`)
	}
	if len(c.Services) > 0 {
		if err := field("services", c.Services); err != nil {
			return nil, err
		}
	}
	if len(c.IO) > 0 {
		if err := field("io", c.IO); err != nil {
			return nil, err
		}
	}
	b.WriteString(`,"vats":{`)
	for i, name := range c.Order() {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(name)
		vat, err := json.Marshal(c.Vats[name])
		if err != nil {
			return nil, fmt.Errorf("encoding cluster config vat %q: %w", name, err)
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(vat)
	}
	b.WriteByte('}')
	if len(c.Bundles) > 0 {
		if err := field("bundles", c.Bundles); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Order returns the vat names in launch order: VatOrder's names that are in
// Vats, then any vats VatOrder leaves out, sorted. With VatOrder empty that
// is simply the sorted names.
func (c *ClusterConfig) Order() []string {
	order := make([]string, 0, len(c.Vats))
	seen := make(map[string]bool, len(c.Vats))
	for _, name := range c.VatOrder {
		if _, ok := c.Vats[name]; ok && !seen[name] {
			seen[name] = true
			order = append(order, name)
		}
	}
	var rest []string
	for name := range c.Vats {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	return append(order, rest...)
}

// ResolvePath resolves a sourceSpec or bundleSpec path against Dir; an
// absolute path, or any path when Dir is empty, is returned as is.
func (c *ClusterConfig) ResolvePath(p string) string {
	if p == "" || filepath.IsAbs(p) || c.Dir == "" {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// Validate checks what can be checked without touching the file system:
// a bootstrap vat that exists, vats with exactly one code source, bundle
// names that exist, unique services, and well-formed io entries. Whether
// source files exist is checked at launch.
func (c *ClusterConfig) Validate() error {
	if len(c.Vats) == 0 {
		return errors.New("cluster config has no vats")
	}
	if c.Bootstrap == "" {
		return errors.New("cluster config has no bootstrap vat")
	}
	if _, ok := c.Vats[c.Bootstrap]; !ok {
		return fmt.Errorf("bootstrap vat %q is not in vats (have: %s)", c.Bootstrap, strings.Join(c.Order(), ", "))
	}
	for _, name := range c.VatOrder {
		if _, ok := c.Vats[name]; !ok {
			return fmt.Errorf("vat order names %q, which is not in vats", name)
		}
	}
	for _, name := range c.Order() {
		if name == "" {
			return errors.New("a vat has an empty name")
		}
		if err := c.Vats[name].checkSource(fmt.Sprintf("vat %q", name), true); err != nil {
			return err
		}
		if bn := c.Vats[name].BundleName; bn != "" {
			if _, ok := c.Bundles[bn]; !ok {
				return fmt.Errorf("vat %q: bundleName %q is not in bundles", name, bn)
			}
		}
	}
	for _, name := range cfgSortedKeys(c.Bundles) {
		if err := c.Bundles[name].checkSource(fmt.Sprintf("bundle %q", name), false); err != nil {
			return err
		}
	}
	services := map[string]bool{}
	for _, s := range c.Services {
		if s == "" {
			return errors.New("services: a service name is empty")
		}
		if services[s] {
			return fmt.Errorf("services: %q is listed twice", s)
		}
		services[s] = true
	}
	for _, name := range cfgSortedKeys(c.IO) {
		if name == "" {
			return errors.New("io: a channel name is empty")
		}
		if err := c.IO[name].check(); err != nil {
			return fmt.Errorf("io %q: %w", name, err)
		}
	}
	return nil
}

// checkSource requires exactly one code source. A bundles entry names its
// code directly, so it may not use bundleName itself.
func (v VatConfig) checkSource(what string, allowName bool) error {
	var have []string
	if v.SourceSpec != "" {
		have = append(have, "sourceSpec")
	}
	if v.BundleSpec != "" {
		have = append(have, "bundleSpec")
	}
	if v.BundleName != "" {
		if !allowName {
			return fmt.Errorf("%s: a bundle cannot use bundleName; give sourceSpec or bundleSpec", what)
		}
		have = append(have, "bundleName")
	}
	switch {
	case len(have) == 0 && allowName:
		return fmt.Errorf("%s: needs one of sourceSpec, bundleSpec or bundleName", what)
	case len(have) == 0:
		return fmt.Errorf("%s: needs one of sourceSpec or bundleSpec", what)
	case len(have) > 1:
		return fmt.Errorf("%s: has both %s and %s; give only one", what, have[0], have[1])
	}
	return nil
}

// check validates one io entry the way the JavaScript kernel's schema does.
func (io IOConfig) check() error {
	switch io.Type {
	case "console":
		if io.Path != "" || io.Hostport != "" {
			return errors.New(`type "console" takes neither path nor hostport`)
		}
	case "file", "socket":
		if io.Path == "" {
			return fmt.Errorf("type %q needs a path", io.Type)
		}
		if io.Hostport != "" {
			return fmt.Errorf("type %q takes a path, not hostport", io.Type)
		}
	case "listen", "network":
		if io.Hostport == "" {
			return fmt.Errorf("type %q needs a hostport", io.Type)
		}
		if io.Path != "" {
			return fmt.Errorf("type %q takes a hostport, not path", io.Type)
		}
	case "":
		return errors.New("type is missing (want console, file, socket, listen or network)")
	default:
		return fmt.Errorf("unknown type %q (want console, file, socket, listen or network)", io.Type)
	}
	switch io.Direction {
	case "", "in", "out", "inout":
	default:
		return fmt.Errorf("unknown direction %q (want in, out or inout)", io.Direction)
	}
	switch io.Unit {
	case "", "line", "string", "chars", "bytes":
	default:
		return fmt.Errorf("unknown unit %q (want line, string, chars or bytes)", io.Unit)
	}
	return nil
}

func cfgSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// configParseError is a parse failure at a byte offset of the config text;
// ParseClusterConfig turns the offset into a line and column, and
// LoadClusterConfig adds the file name.
type configParseError struct {
	file      string
	offset    int
	line, col int
	msg       string
}

func (e *configParseError) Error() string {
	var b strings.Builder
	if e.file != "" {
		b.WriteString(e.file)
		b.WriteByte(':')
	}
	if e.line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.line, e.col)
	} else if e.file != "" {
		b.WriteByte(' ')
	}
	b.WriteString(e.msg)
	return b.String()
}

// locate sets the 1-based line and column (in bytes) of the offset.
func (e *configParseError) locate(data []byte) {
	off := min(max(e.offset, 0), len(data))
	e.line = 1 + bytes.Count(data[:off], []byte{'\n'})
	e.col = off - bytes.LastIndexByte(data[:off], '\n')
}

// decode parses data into c. It walks the JSON itself rather than relying
// on encoding/json alone, to keep the order of "vats" and to report unknown
// fields and type errors at their position with the vat they belong to.
func (c *ClusterConfig) decode(data []byte) error {
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the offending byte; point at it, or just past
			// the end when the text stops too soon.
			at := int(se.Offset) - 1
			if int(se.Offset) >= len(data) && strings.Contains(se.Error(), "end of JSON input") {
				at = len(data)
			}
			return &configParseError{offset: at, msg: syntaxMessage(se.Error())}
		}
		return &configParseError{offset: len(data), msg: err.Error()}
	}
	start := cfgSkipSpace(data, 0)
	top, kind := cfgMembers(data[start:], start)
	if top == nil && kind != "an object" {
		return &configParseError{offset: start, msg: "a cluster config must be a JSON object, not " + kind}
	}
	seen := map[string]bool{}
	for _, m := range top {
		if seen[m.key] {
			return m.keyError("field %q appears twice", m.key)
		}
		seen[m.key] = true
		var err error
		switch m.key {
		case "bootstrap":
			err = m.decodeInto(&c.Bootstrap, "bootstrap")
		case "forceReset":
			err = m.decodeInto(&c.ForceReset, "forceReset")
		case "services":
			err = m.decodeInto(&c.Services, "services")
		case "io":
			c.IO, _, err = cfgDecodeEntries[IOConfig](m, "io", "io %q")
		case "vats":
			c.Vats, c.VatOrder, err = cfgDecodeEntries[VatConfig](m, "vats", "vat %q")
		case "bundles":
			c.Bundles, _, err = cfgDecodeEntries[VatConfig](m, "bundles", "bundle %q")
		default:
			err = m.keyError("unknown field %q", m.key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// quotedChar finds the offending character encoding/json quotes in a
// syntax error.
var quotedChar = regexp.MustCompile(`^invalid character '(.+?)' `)

// syntaxMessage keeps the offending character of a syntax error only when
// it is JSON punctuation: a file that is not JSON at all (a key, a
// password file) must not have its first byte echoed back.
func syntaxMessage(msg string) string {
	m := quotedChar.FindStringSubmatchIndex(msg)
	if m == nil {
		return msg
	}
	if c := msg[m[2]:m[3]]; len(c) == 1 && strings.Contains("{}[]:,\"", c) {
		return msg
	}
	return "invalid character " + msg[m[1]:]
}

// cfgMember is one key of a JSON object with the offsets of the key and of
// its value in the whole config text.
type cfgMember struct {
	key     string
	keyAt   int
	value   json.RawMessage
	valueAt int
}

func (m cfgMember) keyError(format string, args ...any) error {
	return &configParseError{offset: m.keyAt, msg: fmt.Sprintf(format, args...)}
}

// decodeInto decodes the member's value, reporting a type mismatch at the
// value as "<what>: want <type>, got <kind>".
func (m cfgMember) decodeInto(v any, what string) error {
	dec := json.NewDecoder(bytes.NewReader(m.value))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := what
		if te.Field != "" {
			where += "." + te.Field
		}
		return &configParseError{offset: m.valueAt, msg: fmt.Sprintf("%s: want %s, got %s", where, cfgKindOf(te.Type), cfgArticle(te.Value))}
	}
	return &configParseError{offset: m.valueAt, msg: fmt.Sprintf("%s: %s", what, strings.TrimPrefix(err.Error(), "json: "))}
}

// cfgDecodeEntries decodes an object of named entries (vats, bundles, io),
// each a JSON object with only the fields of T, and returns them with their
// names in JSON order. null stands for no entries.
func cfgDecodeEntries[T any](m cfgMember, what, entryFormat string) (map[string]T, []string, error) {
	if string(m.value) == "null" {
		return nil, nil, nil
	}
	members, kind := cfgMembers(m.value, m.valueAt)
	if members == nil && kind != "an object" {
		return nil, nil, &configParseError{offset: m.valueAt, msg: fmt.Sprintf("%s: want an object, got %s", what, kind)}
	}
	known := cfgFieldNames(reflect.TypeFor[T]())
	out := make(map[string]T, len(members))
	order := make([]string, 0, len(members))
	for _, e := range members {
		entry := fmt.Sprintf(entryFormat, e.key)
		if _, dup := out[e.key]; dup {
			return nil, nil, e.keyError("%s appears twice", entry)
		}
		fields, kind := cfgMembers(e.value, e.valueAt)
		if fields == nil && kind != "an object" {
			return nil, nil, &configParseError{offset: e.valueAt, msg: fmt.Sprintf("%s: want an object, got %s", entry, kind)}
		}
		for _, f := range fields {
			if !known[f.key] {
				return nil, nil, f.keyError("%s: unknown field %q", entry, f.key)
			}
		}
		var v T
		for _, f := range fields {
			// Decoding field by field places a type error at its field.
			if err := f.decodeInto(cfgFieldPointer(&v, f.key), entry+": "+f.key); err != nil {
				return nil, nil, err
			}
		}
		out[e.key] = v
		order = append(order, e.key)
	}
	return out, order, nil
}

// cfgMembers lists the members of the JSON object in data (valid JSON, at
// offset base of the config text). For anything else it returns nil and the
// value's kind; for an object, the kind "an object".
func cfgMembers(data []byte, base int) ([]cfgMember, string) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, "invalid JSON"
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, cfgTokenKind(tok)
	}
	members := []cfgMember{}
	for dec.More() {
		keyAt := cfgSkipSpace(data, int(dec.InputOffset()))
		tok, err := dec.Token()
		if err != nil {
			return nil, "invalid JSON"
		}
		key, _ := tok.(string)
		valueAt := cfgSkipSpace(data, int(dec.InputOffset()))
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, "invalid JSON"
		}
		members = append(members, cfgMember{key: key, keyAt: base + keyAt, value: value, valueAt: base + valueAt})
	}
	return members, "an object"
}

// cfgSkipSpace returns the offset of the next byte at or after i that is
// not whitespace or a ',' or ':' separator.
func cfgSkipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r', ',', ':':
			i++
		default:
			return i
		}
	}
	return i
}

func cfgTokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

// cfgKindOf names what JSON a Go type decodes from, for messages.
func cfgKindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t == reflect.TypeFor[json.RawMessage]() {
			return "JSON"
		}
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(cfgKindOf(t.Elem()), "a "), "an ") + "s"
	case reflect.Pointer:
		return cfgKindOf(t.Elem())
	}
	return "an object"
}

// cfgArticle turns encoding/json's value names ("string", "number 1.5") into
// "a string", "a number".
func cfgArticle(v string) string {
	v, _, _ = strings.Cut(v, " ")
	switch v {
	case "array", "object":
		return "an " + v
	case "bool":
		return "a boolean"
	case "":
		return "another kind"
	}
	return "a " + v
}

// cfgFieldNames lists the JSON names of a struct's fields.
func cfgFieldNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}

// cfgFieldPointer returns a pointer to the field of *v whose JSON name is key.
func cfgFieldPointer(v any, key string) any {
	rv := reflect.ValueOf(v).Elem()
	t := rv.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == key {
			return rv.Field(i).Addr().Interface()
		}
	}
	return new(any)
}
