package ocap

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ocapgo/ocap/bundle"
	"github.com/ocapgo/ocap/marshal"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/router"
)

// subclusterSpec checks cfg and builds every vat's bundle before any worker
// starts, so a bad source fails the launch with nothing to clean up.
func (k *Kernel) subclusterSpec(ctx context.Context, cfg *ClusterConfig, systemName string) (*router.SubclusterSpec, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	configJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding cluster config: %w", err)
	}
	spec := &router.SubclusterSpec{
		Name:      systemName,
		System:    systemName != "",
		Bootstrap: cfg.Bootstrap,
		Services:  cfg.Services,
		Config:    configJSON,
		Dir:       cfg.Dir,
	}
	for name, ioc := range cfg.IO {
		raw, err := json.Marshal(ioc)
		if err != nil {
			return nil, fmt.Errorf("io %q: %w", name, err)
		}
		if spec.IO == nil {
			spec.IO = map[string]json.RawMessage{}
		}
		spec.IO[name] = raw
	}
	for _, name := range cfg.Order() {
		vc := cfg.Vats[name]
		b, err := k.vatBundle(ctx, cfg, name, vc)
		if err != nil {
			return nil, err
		}
		params := map[string]any{}
		for key, v := range vc.Parameters {
			params[key] = marshal.FromJSON(v)
		}
		pd, err := marshal.Marshal(params)
		if err != nil {
			return nil, fmt.Errorf("vat %q: parameters: %w", name, err)
		}
		if v, ok := vc.CreationOptions["memoryLimit"]; ok {
			if _, err := platform.ParseMemoryLimit(v); err != nil {
				return nil, fmt.Errorf("vat %q: creationOptions.memoryLimit: %w", name, err)
			}
		}
		vcJSON, err := json.Marshal(vc)
		if err != nil {
			return nil, fmt.Errorf("vat %q: encoding config: %w", name, err)
		}
		platformConfig, err := withNetwork(vc.PlatformConfig, vc.Network)
		if err != nil {
			return nil, fmt.Errorf("vat %q: platformConfig: %w", name, err)
		}
		spec.Vats = append(spec.Vats, router.VatSpec{
			Name:           name,
			Script:         b.Script,
			BundleHash:     b.Hash,
			BundleName:     b.Name,
			Parameters:     pd,
			Globals:        vc.Globals,
			PlatformConfig: platformConfig,
			Config:         vcJSON,
		})
	}
	return spec, nil
}

// vatBundle finds a vat's code: a source to bundle, a bundle file, or a
// named entry of the config's bundles.
func (k *Kernel) vatBundle(ctx context.Context, cfg *ClusterConfig, name string, vc VatConfig) (*bundle.Bundle, error) {
	if vc.BundleName != "" {
		named, ok := cfg.Bundles[vc.BundleName]
		if !ok {
			return nil, fmt.Errorf("vat %q: bundleName %q is not in bundles", name, vc.BundleName)
		}
		vc = named
	}
	switch {
	case vc.SourceSpec != "":
		path := cfg.ResolvePath(vc.SourceSpec)
		b, err := bundle.BuildWithin(ctx, cfg.sourceRoot(path), path)
		if err != nil {
			return nil, fmt.Errorf("vat %q: %w", name, err)
		}
		return b, nil
	case vc.BundleSpec != "":
		b, err := bundle.Load(cfg.ResolvePath(vc.BundleSpec))
		if err != nil {
			return nil, fmt.Errorf("vat %q: %w", name, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("vat %q: needs one of sourceSpec, bundleSpec or bundleName", name)
}

// sourceRoot is the folder a vat's source may read from: the config's
// folder when the source lies in it (its node_modules included), else (or
// for a config without a folder) the source's own folder. The config's
// author chose where the source is; the source itself cannot import
// anything outside that folder.
func (c *ClusterConfig) sourceRoot(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Dir(path)
	}
	if c.Dir == "" {
		return filepath.Dir(abs)
	}
	if rel, err := filepath.Rel(c.Dir, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return c.Dir
	}
	return filepath.Dir(abs)
}

// withNetwork folds a vat's "network" entry into its platformConfig, where
// the worker's fetch endowment reads network.allowedHosts.
func withNetwork(pc json.RawMessage, n *VatNetworkConfig) (json.RawMessage, error) {
	if n == nil {
		return pc, nil
	}
	m := map[string]json.RawMessage{}
	if len(pc) > 0 {
		if err := json.Unmarshal(pc, &m); err != nil {
			return nil, err
		}
	}
	nb, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	m["network"] = nb
	return json.Marshal(m)
}

// DefaultGlobalNames is every endowment a vat may ask for by default.
var DefaultGlobalNames = []string{
	"setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date", "Math",
	"crypto", "SubtleCrypto", "TextEncoder", "TextDecoder", "URL", "URLSearchParams",
	"atob", "btoa", "AbortController", "AbortSignal", "fetch", "Request", "Headers", "Response",
}

func validateGlobalNames(names []string) error {
	known := map[string]bool{}
	for _, n := range DefaultGlobalNames {
		known[n] = true
	}
	for _, n := range names {
		if !known[n] {
			return fmt.Errorf("ocap.Make: AllowedGlobalNames: unknown global %q", n)
		}
	}
	return nil
}
