package remote

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/tyler-smith/go-bip39"
)

const abandonAbout = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

func TestKeyFromMnemonic(t *testing.T) {
	t.Parallel()
	// The BIP39 reference vector (passphrase "TREZOR"), to pin the seed
	// function itself.
	trezor := "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04"
	if got := hex.EncodeToString(bip39.NewSeed(abandonAbout, "TREZOR")); got != trezor {
		t.Fatalf("BIP39 seed is %s, want %s", got, trezor)
	}
	// The seed with the empty passphrase, whose first 32 bytes are the
	// ed25519 seed.
	seed, _ := hex.DecodeString("5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4")
	key, err := KeyFromMnemonic(abandonAbout)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := crypto.UnmarshalPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := priv.Raw()
	if want := ed25519.NewKeyFromSeed(seed[:32]); hex.EncodeToString(raw) != hex.EncodeToString(want) {
		t.Errorf("key is not ed25519 from the seed's first 32 bytes")
	}
	// The peer ID the JavaScript kernel gets from these words
	// (@scure/bip39 and @libp2p/crypto's generateKeyPairFromSeed).
	id, err := PeerID(key)
	if err != nil {
		t.Fatal(err)
	}
	if want := "12D3KooWP7CwQswqLKZbwvYd9wrEynnL9F2aKVP1X9huNASBTuqj"; id != want {
		t.Errorf("peer ID is %s, want %s", id, want)
	}
	again, err := KeyFromMnemonic("  " + strings.ReplaceAll(abandonAbout, " ", "\n ") + "\t")
	if err != nil {
		t.Fatal(err)
	}
	if id2, _ := PeerID(again); id2 != id {
		t.Errorf("the same words spaced otherwise gave %s, then %s", id, id2)
	}
}

func TestKeyFromMnemonicRefusesBadWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ mnemonic, want string }{
		{strings.Replace(abandonAbout, "about", "abandon", 1), "checksum"},
		{strings.Replace(abandonAbout, "about", "aboot", 1), `word 12, "aboot", is not in the BIP39 English word list`},
		{"abandon abandon about", "has 3 words"},
		{"", "has 0 words"},
		{strings.ToUpper(abandonAbout), `word 1, "ABANDON"`},
	} {
		_, err := KeyFromMnemonic(tc.mnemonic)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q gave %v, want an error saying %q", tc.mnemonic, err, tc.want)
		}
	}
}

func TestNewKeyAndPeerID(t *testing.T) {
	t.Parallel()
	k1, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := NewKey()
	id1, err := PeerID(k1)
	if err != nil {
		t.Fatal(err)
	}
	id2, _ := PeerID(k2)
	if id1 == id2 || !strings.HasPrefix(id1, "12D3KooW") {
		t.Errorf("two fresh keys gave %s and %s", id1, id2)
	}
	secp, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := crypto.MarshalPrivateKey(secp)
	if _, err := PeerID(other); err == nil || !strings.Contains(err.Error(), "ed25519 is required") {
		t.Errorf("a secp256k1 key gave %v, want it refused", err)
	}
}
