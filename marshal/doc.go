// Package marshal encodes and decodes passable values in the smallcaps
// CapData format, byte for byte as @endo/marshal writes it, so the kernel
// (Go) and the vats (JavaScript) agree on every message body and every
// stored value.
//
// # Value model
//
// Decoding (Unmarshal) produces only these Go values, and encoding
// (Marshal) accepts them:
//
//	JavaScript            Go
//	null                  nil
//	undefined             Undefined{}
//	true / false          bool
//	number                float64 (NaN and ±Inf included; -0 is sent as 0)
//	bigint                *big.Int
//	string                string
//	registered symbol     Symbol{Name: "foo"}      (Symbol.for('foo'))
//	well-known symbol     Symbol{Name: "@@asyncIterator"}
//	copyArray             []any
//	copyRecord            map[string]any
//	tagged                Tagged{Tag, Payload}
//	error                 *Error{Name, Message}
//	remotable / promise   Ref{Kref, Iface}
//
// For convenience Marshal also accepts every Go integer, unsigned and float
// kind (an integer that float64 cannot hold exactly is refused rather than
// silently rounded; a float32 is sent as the shortest decimal that reads
// back as the same float32), json.Number, big.Int by value, pointers to any
// accepted value (nil pointers are null), any slice or array (except []byte,
// which has no smallcaps form yet), maps with string keys (nil slices and
// maps are sent empty, as there is no nil list in JavaScript), structs (fields
// named by their `json` tags, honouring "-" and omitempty, untagged exported
// embedded structs inlined), Tagged/Error/Ref by pointer, and any other Go error
// (sent as an Error named "Error" carrying err.Error()). The common path
// ([]any, map[string]any and primitives) uses no reflection.
//
// Symbol.Name is the symbol's smallcaps name: a registered symbol's key, a
// well-known symbol as "@@" plus its property name on Symbol, and a registered
// symbol whose key itself starts with "@@" gets a second "@@" ("@@@@foo").
//
// A Ref is a remotable when its slot does not look like a promise and a
// promise when it does: the slot starts with "p" (a vat's vref "p+1", "p-3")
// or "kp" (a kernel promise "kp7"). Iface is the interface name a remotable
// was sent with ("Alleged: root"); promises never carry one.
//
// # Body format (smallcaps)
//
// A body is "#" followed by JSON. The characters '!' through '-' (ASCII 33
// to 45: ! " # $ % & ' ( ) * + , -) are special as the first character of a
// JSON string:
//
//	"!..."        a string that started with a special character, or a
//	              record key that did: the '!' is dropped on decode
//	"#undefined"  undefined; also "#NaN", "#Infinity", "#-Infinity"
//	"+123" "-5"   a bigint (non-negative ones carry "+")
//	"%name"       a symbol
//	"$3.Alleged: root", "$3"   remotable in slots[3]; the interface name
//	              follows the first '.' on the first occurrence only
//	"&4"          promise in slots[4]
//	" ' ( ) * ,   reserved: refused on decode
//
// Plain JSON strings, numbers, booleans, null and arrays carry themselves.
// An object with a "#tag" key is a tagged value {"#tag": tag, "payload": p}
// and nothing else; one with "#error" is an error {"#error": message,
// "errorId"?: id, "name": name} whose message, name and id are themselves
// encoded strings; any other object is a record, whose keys may not start
// with '#' and must decode to strings (so only '!' may escape them).
//
// The same capability reached twice in one value takes one slot, numbered in
// the order the encoder first meets it. Record keys are written in the order
// a JavaScript object created from the sorted keys would list them: keys that
// are array indices ("0".."4294967294" without leading zeros) first, by
// numeric value, then the rest by UTF-16 code units (JavaScript's default
// sort), which differs from Go's byte order for characters beyond U+FFFF.
// Numbers are printed as JavaScript's JSON.stringify prints them; strings are
// escaped as it escapes them (only '"', '\\' and control characters; a lone
// UTF-16 surrogate, which a Go string holds as its 3-byte WTF-8 form, is
// written as \udXXX).
//
// # CLI bridge
//
// ToJSON and FromJSON convert between decoded values and plain JSON data for
// the kernel command line, where a remotable prints as
// {"@kref":"ko12","@iface":"Alleged: root"}.
//
// The test vectors in testdata/vectors.json were produced by @endo/marshal
// itself; see testdata/README.md.
package marshal
