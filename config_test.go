package ocap

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestClusterConfigParseErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{"trailing comma", "{\n  \"bootstrap\": \"a\",\n  \"vats\": {\"a\": {},}\n}",
			`3:20: invalid character '}' looking for beginning of object key string`},
		{"truncated", `{"bootstrap": "a"`, `1:18: unexpected end of JSON input`},
		{"empty", ``, `1:1: unexpected end of JSON input`},
		{"trailing data", `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js"}}} x`,
			`1:54: invalid character after top-level value`},
		{"not an object", ` [1]`, `1:2: a cluster config must be a JSON object, not an array`},
		{"unknown top-level field", "{\n  \"bootstrap\": \"a\",\n  \"vat\": {}\n}", `3:3: unknown field "vat"`},
		{"unknown vat field", "{\"bootstrap\": \"a\", \"vats\": {\n \"a\": {\"sourcespec\": \"a.js\"}}}",
			`2:8: vat "a": unknown field "sourcespec"`},
		{"unknown bundle field", `{"bootstrap":"a","vats":{"a":{"bundleName":"b"}},"bundles":{"b":{"source":"x"}}}`,
			`1:66: bundle "b": unknown field "source"`},
		{"unknown io field", `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js"}},"io":{"in":{"type":"listen","port":8080}}}`,
			`1:81: io "in": unknown field "port"`},
		{"unknown network field", `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js","network":{"hosts":[]}}}}`,
			`1:61: vat "a": network: unknown field "hosts"`},
		{"bootstrap type", `{"bootstrap": 5, "vats": {}}`, `1:15: bootstrap: want a string, got a number`},
		{"forceReset type", `{"bootstrap":"a","forceReset":"yes","vats":{}}`, `1:31: forceReset: want a boolean, got a string`},
		{"services type", `{"bootstrap":"a","services":["x",1],"vats":{}}`, `1:29: services: want a string, got a number`},
		{"vats type", `{"bootstrap":"a","vats":[]}`, `1:25: vats: want an object, got an array`},
		{"vat type", `{"bootstrap":"a","vats":{"a":"a.js"}}`, `1:30: vat "a": want an object, got a string`},
		{"globals type", `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js","globals":"Date"}}}`,
			`1:61: vat "a": globals: want an array of strings, got a string`},
		{"parameters type", `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js","parameters":[1]}}}`,
			`1:64: vat "a": parameters: want an object, got an array`},
		{"duplicate vat", `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js"},"a":{"sourceSpec":"b.js"}}}`,
			`1:52: vat "a" appears twice`},
		{"duplicate field", `{"bootstrap":"a","bootstrap":"b","vats":{}}`, `1:18: field "bootstrap" appears twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseClusterConfig([]byte(tc.json), "")
			if err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestClusterConfigValidateErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{"no vats", `{"bootstrap":"a","vats":{}}`, `cluster config has no vats`},
		{"null vats", `{"bootstrap":"a","vats":null}`, `cluster config has no vats`},
		{"no bootstrap", `{"vats":{"a":{"sourceSpec":"a.js"}}}`, `cluster config has no bootstrap vat`},
		{"bootstrap missing", `{"bootstrap":"x","vats":{"b":{"sourceSpec":"b.js"},"a":{"sourceSpec":"a.js"}}}`,
			`bootstrap vat "x" is not in vats (have: b, a)`},
		{"no source", `{"bootstrap":"alice","vats":{"alice":{"parameters":{}}}}`,
			`vat "alice": needs one of sourceSpec, bundleSpec or bundleName`},
		{"two sources", `{"bootstrap":"alice","vats":{"alice":{"sourceSpec":"a.js","bundleSpec":"a.bundle.js"}}}`,
			`vat "alice": has both sourceSpec and bundleSpec; give only one`},
		{"unknown bundle", `{"bootstrap":"a","vats":{"a":{"bundleName":"b"}},"bundles":{"c":{"sourceSpec":"c.js"}}}`,
			`vat "a": bundleName "b" is not in bundles`},
		{"bundle without source", `{"bootstrap":"a","vats":{"a":{"bundleName":"b"}},"bundles":{"b":{}}}`,
			`bundle "b": needs one of sourceSpec or bundleSpec`},
		{"bundle by name", `{"bootstrap":"a","vats":{"a":{"bundleName":"b"}},"bundles":{"b":{"bundleName":"b"}}}`,
			`bundle "b": a bundle cannot use bundleName; give sourceSpec or bundleSpec`},
		{"empty vat name", `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js"},"":{"sourceSpec":"b.js"}}}`,
			`a vat has an empty name`},
		{"duplicate service", `{"bootstrap":"a","services":["k","s","k"],"vats":{"a":{"sourceSpec":"a.js"}}}`,
			`services: "k" is listed twice`},
		{"empty service", `{"bootstrap":"a","services":[""],"vats":{"a":{"sourceSpec":"a.js"}}}`,
			`services: a service name is empty`},
		{"io type", `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js"}},"io":{"x":{"type":"pipe"}}}`,
			`io "x": unknown type "pipe" (want console, file, socket, listen or network)`},
		{"io path", `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js"}},"io":{"x":{"type":"file"}}}`,
			`io "x": type "file" needs a path`},
		{"io hostport", `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js"}},"io":{"x":{"type":"listen","path":"/p"}}}`,
			`io "x": type "listen" needs a hostport`},
		{"io direction", `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js"}},"io":{"x":{"type":"console","direction":"up"}}}`,
			`io "x": unknown direction "up" (want in, out or inout)`},
		{"io unit", `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js"}},"io":{"x":{"type":"console","unit":"word"}}}`,
			`io "x": unknown unit "word" (want line, string, chars or bytes)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseClusterConfig([]byte(tc.json), "")
			if err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
	// VatOrder naming a vat that is not there (only possible in Go).
	c := &ClusterConfig{Bootstrap: "a", Vats: map[string]VatConfig{"a": {SourceSpec: "a.js"}}, VatOrder: []string{"a", "b"}}
	if err := c.Validate(); err == nil || err.Error() != `vat order names "b", which is not in vats` {
		t.Errorf("VatOrder check: %v", err)
	}
}

const fullConfig = `{
  "bootstrap": "zeta",
  "forceReset": true,
  "services": ["kernelFacet", "weatherService"],
  "io": {
    "repl": {"type": "socket", "path": "/tmp/repl.sock", "direction": "inout", "unit": "line"},
    "web": {"type": "listen", "hostport": "127.0.0.1:8080"},
    "log": {"type": "console", "direction": "out"}
  },
  "vats": {
    "zeta": {"sourceSpec": "./zeta.ts", "parameters": {"name": "Z", "n": 2}, "globals": ["Date", "fetch"],
             "platformConfig": {"fetch": {"allowedHosts": ["example.com"]}}},
    "alpha": {"bundleSpec": "alpha.bundle.js", "creationOptions": {"x": true}, "network": {"allowedHosts": ["a.test:80"]}},
    "mid": {"bundleName": "shared"}
  },
  "bundles": {"shared": {"sourceSpec": "/abs/shared.js"}}
}`

func TestClusterConfigParse(t *testing.T) {
	c, err := ParseClusterConfig([]byte(fullConfig), "/cfg")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"zeta", "alpha", "mid"}; !slices.Equal(c.VatOrder, want) || !slices.Equal(c.Order(), want) {
		t.Errorf("order %v / %v, want %v", c.VatOrder, c.Order(), want)
	}
	if !c.ForceReset || c.Dir != "/cfg" || !slices.Equal(c.Services, []string{"kernelFacet", "weatherService"}) {
		t.Errorf("top-level fields: %+v", c)
	}
	if io := c.IO["repl"]; io != (IOConfig{Type: "socket", Path: "/tmp/repl.sock", Direction: "inout", Unit: "line"}) {
		t.Errorf("io repl = %+v", io)
	}
	if io := c.IO["web"]; io.Hostport != "127.0.0.1:8080" {
		t.Errorf("io web = %+v", io)
	}
	z := c.Vats["zeta"]
	if z.Parameters["name"] != "Z" || z.Parameters["n"] != 2.0 || !slices.Equal(z.Globals, []string{"Date", "fetch"}) {
		t.Errorf("zeta = %+v", z)
	}
	var pc struct {
		Fetch struct {
			AllowedHosts []string `json:"allowedHosts"`
		} `json:"fetch"`
	}
	if err := json.Unmarshal(z.PlatformConfig, &pc); err != nil || pc.Fetch.AllowedHosts[0] != "example.com" {
		t.Errorf("platformConfig %s: %v", z.PlatformConfig, err)
	}
	if a := c.Vats["alpha"]; a.Network == nil || a.Network.AllowedHosts[0] != "a.test:80" || a.CreationOptions["x"] != true {
		t.Errorf("alpha = %+v", a)
	}
	if got := c.ResolvePath(c.Vats["zeta"].SourceSpec); got != filepath.Join("/cfg", "zeta.ts") {
		t.Errorf("ResolvePath = %q", got)
	}
	if got := c.ResolvePath(c.Bundles["shared"].SourceSpec); got != "/abs/shared.js" {
		t.Errorf("ResolvePath(abs) = %q", got)
	}
	if got := (&ClusterConfig{}).ResolvePath("x.js"); got != "x.js" {
		t.Errorf("ResolvePath without Dir = %q", got)
	}
}

func TestClusterConfigOrder(t *testing.T) {
	c, err := ParseClusterConfig([]byte(`{"bootstrap":"alpha","vats":{"zeta":{"sourceSpec":"z.js"},"alpha":{"sourceSpec":"a.js"}}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Order(); !slices.Equal(got, []string{"zeta", "alpha"}) {
		t.Errorf("Order() = %v, want [zeta alpha]", got)
	}
	built := &ClusterConfig{Vats: map[string]VatConfig{"b": {}, "c": {}, "a": {}}}
	if got := built.Order(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("Order() without VatOrder = %v", got)
	}
	built.VatOrder = []string{"c", "x", "c"}
	if got := built.Order(); !slices.Equal(got, []string{"c", "a", "b"}) {
		t.Errorf("Order() with partial VatOrder = %v", got)
	}
}

func TestClusterConfigMarshalRoundTrip(t *testing.T) {
	c, err := ParseClusterConfig([]byte(fullConfig), "/cfg")
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if zi, ai, mi := strings.Index(s, `"zeta":`), strings.Index(s, `"alpha":`), strings.Index(s, `"mid":`); !(zi < ai && ai < mi) {
		t.Errorf("vats not in order: %s", s)
	}
	back, err := ParseClusterConfig(data, "/cfg")
	if err != nil {
		t.Fatalf("re-parse %s: %v", s, err)
	}
	again, _ := json.Marshal(back)
	if string(again) != s || !reflect.DeepEqual(back.VatOrder, c.VatOrder) || !reflect.DeepEqual(back.Vats["alpha"], c.Vats["alpha"]) {
		t.Errorf("round trip differs:\n got %s\nwant %s", again, s)
	}
	// Inside another value (a stored system subcluster), the order survives
	// through UnmarshalJSON.
	sys, err := json.Marshal([]SystemSubclusterConfig{{Name: "s", Config: *c}})
	if err != nil {
		t.Fatal(err)
	}
	var out []SystemSubclusterConfig
	if err := json.Unmarshal(sys, &out); err != nil {
		t.Fatal(err)
	}
	if out[0].Name != "s" || !slices.Equal(out[0].Config.Order(), []string{"zeta", "alpha", "mid"}) {
		t.Errorf("system subcluster round trip: %+v", out)
	}
	// A minimal config writes only what is set.
	min := ClusterConfig{Bootstrap: "a", Vats: map[string]VatConfig{"a": {SourceSpec: "a.js"}}}
	data, _ = json.Marshal(min)
	if string(data) != `{"bootstrap":"a","vats":{"a":{"sourceSpec":"a.js"}}}` {
		t.Errorf("minimal config: %s", data)
	}
	var bad ClusterConfig
	if err := json.Unmarshal([]byte(`{"bootstrap":"a","extra":1}`), &bad); err == nil || !strings.Contains(err.Error(), `unknown field "extra"`) {
		t.Errorf("UnmarshalJSON accepted an unknown field: %v", err)
	}
}

func TestLoadClusterConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "cluster.json")
	os.WriteFile(good, []byte(`{"bootstrap":"a","vats":{"a":{"sourceSpec":"vats/a.js"}}}`), 0o644)
	c, err := LoadClusterConfig(good)
	if err != nil {
		t.Fatal(err)
	}
	if c.Dir != dir || c.ResolvePath("vats/a.js") != filepath.Join(dir, "vats", "a.js") {
		t.Errorf("Dir = %q", c.Dir)
	}

	malformed := filepath.Join(dir, "malformed.json")
	os.WriteFile(malformed, []byte("{\n  \"bootstrap\": \"a\",\n  \"vats\": {\n    \"a\": { \"sourceSpec\": \"a.js\" },\n  }\n}\n"), 0o644)
	_, err = LoadClusterConfig(malformed)
	if want := malformed + `:5:3: invalid character '}' looking for beginning of object key string`; err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}

	invalid := filepath.Join(dir, "invalid.json")
	os.WriteFile(invalid, []byte(`{"bootstrap":"x","vats":{"a":{"sourceSpec":"a.js"}}}`), 0o644)
	_, err = LoadClusterConfig(invalid)
	if want := invalid + `: bootstrap vat "x" is not in vats (have: a)`; err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}

	if _, err := LoadClusterConfig(filepath.Join(dir, "absent.json")); err == nil || !strings.Contains(err.Error(), "reading cluster config") {
		t.Errorf("missing file: %v", err)
	}
}

// TestLoadClusterConfigRefusals: only a regular file of bounded size is
// read, and an error about a file that is not a config quotes none of it.
func TestLoadClusterConfigRefusals(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "shadow")
	if err := os.WriteFile(secret, []byte("root:$6$Zsecret:19000:0:99999:7:::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxClusterConfigBytes+1); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, want string }{
		{"/dev/zero", "not a regular file (a device)"},
		{fifo, "not a regular file (a FIFO)"},
		{dir, "not a regular file (a directory)"},
		{big, "file too large (over the 1 MiB limit)"},
		{secret, "1:1: invalid character looking for beginning of value"},
	}
	for _, tc := range cases {
		_, err := LoadClusterConfig(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadClusterConfig(%s): %v, want an error containing %q", tc.path, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "'r'") || strings.Contains(err.Error(), "Zsecret") {
			t.Errorf("LoadClusterConfig(%s) quotes the file: %v", tc.path, err)
		}
	}
}
