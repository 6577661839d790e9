package keeper

// Bundles: vat scripts by content hash, shared by every vat that runs one.

func bundleKey(hash string) string { return "bundle." + hash }

// Bundle returns the script whose sha256 is hash.
func (k *Keeper) Bundle(hash string) (string, bool) { return k.get(bundleKey(hash)) }

// SetBundle stores a script under its sha256.
func (k *Keeper) SetBundle(hash, script string) { k.set(bundleKey(hash), script) }
