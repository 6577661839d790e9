package remote

import (
	"fmt"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// An ocap URL names an object in a kernel somewhere else, in the layout
// the JavaScript ocap-kernel uses:
//
//	ocap:<token>@<peer ID>[,<hint>]*
//
// The token is the issuing kernel's name for the object (opaque here), the
// peer ID says which kernel, and each hint is a multiaddr where that kernel
// may be reached: a direct address, a circuit address, or a relay's own
// address (see Send).
const urlScheme = "ocap:"

// FormatURL makes an ocap URL. The token must not contain '@' or ','
// (the JavaScript kernel issues base58 tokens), nor a hint ','.
func FormatURL(token, peer string, hints []string) string {
	var b strings.Builder
	b.WriteString(urlScheme)
	b.WriteString(token)
	b.WriteByte('@')
	b.WriteString(peer)
	for _, h := range hints {
		if h == "" {
			continue
		}
		b.WriteByte(',')
		b.WriteString(h)
	}
	return b.String()
}

// ParseURL takes an ocap URL apart. Empty hints (",,") are skipped, as the
// JavaScript kernel does; anything else malformed is an error that says
// what.
func ParseURL(s string) (token, peerID string, hints []string, err error) {
	if len(s) < len(urlScheme) || !strings.EqualFold(s[:len(urlScheme)], urlScheme) {
		return "", "", nil, fmt.Errorf("remote: %q is not an ocap URL: it does not start with %q", s, urlScheme)
	}
	rest := s[len(urlScheme):]
	switch strings.Count(rest, "@") {
	case 0:
		return "", "", nil, fmt.Errorf("remote: ocap URL %q has no '@' between token and peer ID", s)
	case 1:
	default:
		return "", "", nil, fmt.Errorf("remote: ocap URL %q has more than one '@'", s)
	}
	token, where, _ := strings.Cut(rest, "@")
	if token == "" {
		return "", "", nil, fmt.Errorf("remote: ocap URL %q has an empty token before '@'", s)
	}
	parts := strings.Split(where, ",")
	peerID = parts[0]
	if peerID == "" {
		return "", "", nil, fmt.Errorf("remote: ocap URL %q has no peer ID after '@'", s)
	}
	if _, err := peer.Decode(peerID); err != nil {
		return "", "", nil, fmt.Errorf("remote: ocap URL %q: bad peer ID %q: %w", s, peerID, err)
	}
	for _, h := range parts[1:] {
		if h == "" {
			continue
		}
		if _, err := ma.NewMultiaddr(h); err != nil {
			return "", "", nil, fmt.Errorf("remote: ocap URL %q: hint %q is not a multiaddr: %w", s, h, err)
		}
		hints = append(hints, h)
	}
	return token, peerID, hints, nil
}
