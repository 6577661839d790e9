package remote

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/tyler-smith/go-bip39"
)

// NewKey makes a fresh ed25519 key, marshalled for Options.Key.
func NewKey() ([]byte, error) {
	priv, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("remote: generating a key: %w", err)
	}
	return crypto.MarshalPrivateKey(priv)
}

// KeyFromMnemonic derives the node key from a BIP39 English mnemonic, so
// that an operator who wrote the words down can bring back the kernel's
// peer ID (and with it every ocap URL it issued). The derivation is the
// JavaScript ocap-kernel's: the standard BIP39 seed with an empty
// passphrase (PBKDF2-HMAC-SHA512, 2048 rounds), whose first 32 bytes are
// the ed25519 seed. The same words therefore give the same peer ID in
// both kernels.
func KeyFromMnemonic(mnemonic string) ([]byte, error) {
	words := strings.Fields(mnemonic)
	switch len(words) {
	case 12, 15, 18, 21, 24:
	default:
		return nil, fmt.Errorf("remote: mnemonic has %d words; BIP39 needs 12, 15, 18, 21 or 24", len(words))
	}
	for i, w := range words {
		if _, ok := bip39.GetWordIndex(w); !ok {
			return nil, fmt.Errorf("remote: mnemonic word %d, %q, is not in the BIP39 English word list", i+1, w)
		}
	}
	normal := strings.Join(words, " ")
	if _, err := bip39.EntropyFromMnemonic(normal); err != nil {
		if errors.Is(err, bip39.ErrChecksumIncorrect) {
			return nil, errors.New("remote: mnemonic checksum does not match: a word is wrong or out of place")
		}
		return nil, fmt.Errorf("remote: invalid mnemonic: %w", err)
	}
	seed := bip39.NewSeed(normal, "")
	priv, err := crypto.UnmarshalEd25519PrivateKey(ed25519.NewKeyFromSeed(seed[:ed25519.SeedSize]))
	if err != nil {
		return nil, fmt.Errorf("remote: making a key from the mnemonic's seed: %w", err)
	}
	return crypto.MarshalPrivateKey(priv)
}

// PeerID gives the peer ID string of a marshalled private key.
func PeerID(key []byte) (string, error) {
	priv, err := unmarshalKey(key)
	if err != nil {
		return "", err
	}
	id, err := peer.IDFromPrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("remote: peer ID of the key: %w", err)
	}
	return id.String(), nil
}

func unmarshalKey(key []byte) (crypto.PrivKey, error) {
	if len(key) == 0 {
		return nil, errors.New("remote: no key (make one with NewKey or KeyFromMnemonic)")
	}
	priv, err := crypto.UnmarshalPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("remote: key is not a marshalled libp2p private key: %w", err)
	}
	if priv.Type() != crypto.Ed25519 {
		return nil, fmt.Errorf("remote: key is %v; ed25519 is required", priv.Type())
	}
	return priv, nil
}
