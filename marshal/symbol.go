package marshal

import (
	"fmt"
	"strings"
)

// wellKnownSymbols are the static symbol-valued properties of JavaScript's
// Symbol constructor; "@@" plus one of them names that symbol.
var wellKnownSymbols = map[string]bool{
	"asyncIterator": true, "hasInstance": true, "isConcatSpreadable": true,
	"iterator": true, "match": true, "matchAll": true, "replace": true,
	"search": true, "species": true, "split": true, "toPrimitive": true,
	"toStringTag": true, "unscopables": true, "dispose": true, "asyncDispose": true,
}

// checkSymbolName accepts the names a passable symbol can have: a name not
// starting with "@@" (a registered symbol), "@@@@..." (a registered symbol
// whose own key starts with "@@") or "@@" plus a well-known symbol's name.
// Any other "@@" name is reserved for symbols JavaScript may add later.
func checkSymbolName(name string) error {
	suffix, ok := strings.CutPrefix(name, "@@")
	if !ok || strings.HasPrefix(suffix, "@@") || wellKnownSymbols[suffix] {
		return nil
	}
	return fmt.Errorf("symbol name %q is reserved for a well-known symbol, and %q is not one", name, suffix)
}
