package endowments

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// hosts.go: the fetch host caveat. A vat's allowlist comes from its
// platformConfig (fetch.allowedHosts, or network.allowedHosts as the
// JavaScript kernel now spells it); the kernel may add a list of its own
// that every vat's requests must also pass. An entry "host" allows that
// host on any port, "host:port" only that port. Hosts are compared by name,
// after the URL Standard's normalization (lower case, IDNA to ASCII, IPv4
// shorthands and IPv6 spellings made canonical): a DNS answer never makes
// a host allowed, so allowing "127.0.0.1" does not allow a name that
// resolves to it.

// HostRule is one allowlist entry.
type HostRule struct {
	Host string // canonical, IPv6 without brackets
	Port string // "" for any port
}

func (r HostRule) String() string {
	if r.Port == "" {
		return displayHost(r.Host)
	}
	return net.JoinHostPort(r.Host, r.Port)
}

// ParseHostRules parses allowlist entries; the error names the bad one.
func ParseHostRules(entries []string) ([]HostRule, error) {
	rules := make([]HostRule, 0, len(entries))
	for _, entry := range entries {
		r, err := parseHostRule(entry)
		if err != nil {
			return nil, fmt.Errorf("allowed host %q: %w", entry, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func parseHostRule(entry string) (HostRule, error) {
	s := strings.TrimSpace(entry)
	if s == "" || strings.Contains(s, "/") || strings.Contains(s, "@") {
		return HostRule{}, fmt.Errorf(`an entry is "host" or "host:port", without a scheme or path`)
	}
	host, port := s, ""
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.Index(s, "]")
		if end < 0 {
			return HostRule{}, fmt.Errorf("unclosed IPv6 bracket")
		}
		host = s[1:end]
		if rest := s[end+1:]; rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return HostRule{}, fmt.Errorf("unexpected %q after the IPv6 address", rest)
			}
			port = rest[1:]
		}
	case strings.Count(s, ":") == 1:
		host, port, _ = strings.Cut(s, ":")
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return HostRule{}, fmt.Errorf("invalid port %q", port)
		}
		port = strconv.Itoa(n)
	}
	canon, err := canonicalHost(host)
	if err != nil {
		return HostRule{}, err
	}
	return HostRule{Host: canon, Port: port}, nil
}

// canonicalHost normalizes a host as the URL parser does, without the
// brackets of an IPv6 address.
func canonicalHost(host string) (string, error) {
	if strings.Contains(host, ":") {
		host = "[" + strings.Trim(host, "[]") + "]"
	}
	h, err := parseHost(host, false)
	if err != nil {
		return "", fmt.Errorf("%q is not a valid host", host)
	}
	return strings.Trim(h, "[]"), nil
}

func displayHost(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// hostCaveat is the check every request, redirect and dial goes through.
type hostCaveat struct {
	vat       []HostRule
	kernel    []HostRule
	kernelSet bool
}

func matches(rules []HostRule, host, port string) bool {
	for _, r := range rules {
		if r.Host == host && (r.Port == "" || r.Port == port) {
			return true
		}
	}
	return false
}

// refusedError is a request the caveat stopped; its text names the host.
type refusedError struct {
	hostPort string
	byKernel bool
}

func (e *refusedError) Error() string {
	if e.byKernel {
		return fmt.Sprintf("host %q is not in the kernel's fetch allowlist", e.hostPort)
	}
	return fmt.Sprintf("host %q is not in this vat's allowed hosts", e.hostPort)
}

// check allows host (any spelling) on port, or says why not.
func (c *hostCaveat) check(host, port string) error {
	canon, err := canonicalHost(host)
	if err != nil {
		return &refusedError{hostPort: net.JoinHostPort(host, port)}
	}
	hp := net.JoinHostPort(canon, port)
	if !matches(c.vat, canon, port) {
		return &refusedError{hostPort: hp}
	}
	if c.kernelSet && !matches(c.kernel, canon, port) {
		return &refusedError{hostPort: hp, byKernel: true}
	}
	return nil
}

// fetchConfig is the part of platformConfig the network endowment reads.
type fetchConfig struct {
	Fetch *struct {
		AllowedHosts     *[]string `json:"allowedHosts"`
		MaxResponseBytes int64     `json:"maxResponseBytes"`
	} `json:"fetch"`
	Network *struct {
		AllowedHosts *[]string `json:"allowedHosts"`
	} `json:"network"`
}

// readFetchConfig returns the vat's allowlist (nil when it has none; both
// spellings together are merged) and its body limit (0: the default).
func readFetchConfig(raw []byte) (hosts []string, maxBody int64, err error) {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil, 0, nil
	}
	var fc fetchConfig
	if err := json.Unmarshal(raw, &fc); err != nil {
		return nil, 0, fmt.Errorf("platformConfig: %w", err)
	}
	if fc.Fetch != nil {
		maxBody = fc.Fetch.MaxResponseBytes
		if fc.Fetch.AllowedHosts != nil {
			hosts = append([]string{}, *fc.Fetch.AllowedHosts...)
		}
	}
	if fc.Network != nil && fc.Network.AllowedHosts != nil {
		hosts = append(append([]string{}, hosts...), *fc.Network.AllowedHosts...)
	}
	if maxBody < 0 {
		return nil, 0, fmt.Errorf("platformConfig: fetch.maxResponseBytes must not be negative")
	}
	return hosts, maxBody, nil
}
