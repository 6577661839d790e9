package liveslots

import (
	"regexp"
	"strconv"
	"strings"
)

// goja words some TypeErrors differently from V8, which the JavaScript
// kernel's vats run on: a call of a missing method is "Object has no
// member 'm'" where V8 says "obj.m is not a function". V8 names the
// expression from the source; so can we, from the position goja gives.
// Error texts that leave the vat go through engineMessage (inspect.js),
// which asks calleeAt for that expression.

// stackFrame matches a stack frame's position, "file:line:column(pc)".
var stackFrame = regexp.MustCompile(`([^\s()]+):(\d+):(\d+)\(\d+\)`)

// frameText finds where the first frame of stack points: the line of the
// vat's bundle and the index in it. A first frame elsewhere (a built-in
// function, liveslots) is not the vat's expression: ok is false.
func (v *Vat) frameText(stack string) (text string, at int, ok bool) {
	_, rest, found := strings.Cut(stack, "\n")
	if !found {
		return "", 0, false
	}
	first, _, _ := strings.Cut(strings.TrimSpace(rest), "\n")
	m := stackFrame.FindStringSubmatch(first)
	if m == nil || m[1] != v.bundleName {
		return "", 0, false
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	text = sourceLine(v.bundleSource, line)
	if col < 1 || col > len(text) {
		return "", 0, false
	}
	return text, col - 1, true
}

// calleeAt reads the first frame of stack and, if it lies in the vat's
// bundle at a call or a `new`, answers the source text of what was called
// ("celsius.getFahrenheit", "a.b(...).c"); otherwise "".
func (v *Vat) calleeAt(stack string) string {
	text, at, ok := v.frameText(stack)
	if !ok {
		return ""
	}
	if rest, ok := strings.CutPrefix(text[at:], "new"); ok && !isIdentChar(rest[0:min(1, len(rest))]) {
		rest = strings.TrimLeft(rest, " \t")
		end := strings.IndexAny(rest, "(;,) \t")
		if end < 0 {
			end = len(rest)
		}
		return rest[:end]
	}
	if text[at] != '(' {
		return ""
	}
	return calleeBefore(text[:at])
}

// propertyAt answers the property name the first frame of stack points at,
// as goja points at the property of an assignment to a property of
// undefined ("x" in `u.x = 1`, "k" in `u['k'] = 1`); otherwise "".
func (v *Vat) propertyAt(stack string) string {
	text, at, ok := v.frameText(stack)
	if !ok {
		return ""
	}
	rest := text[at:]
	if strings.HasPrefix(rest, "[") {
		end := matchingClose(rest)
		if end < 0 {
			return ""
		}
		inner := strings.TrimSpace(rest[1:end])
		if len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0] {
			return inner[1 : len(inner)-1]
		}
		return ""
	}
	end := 0
	for end < len(rest) && isIdentChar(rest[end:end+1]) {
		end++
	}
	return rest[:end]
}

// calleeBefore takes the member expression that ends text: names, dots,
// optional chains, [...] and call results, which V8 shows as (...).
func calleeBefore(text string) string {
	text = strings.TrimRight(text, " \t")
	var parts []string
	i := len(text)
scan:
	for i > 0 {
		switch c := text[i-1]; {
		case c == ')' || c == ']':
			open := matchingOpen(text[:i])
			if open < 0 {
				return ""
			}
			if c == ')' {
				parts = append(parts, "(...)")
			} else {
				parts = append(parts, text[open:i])
			}
			i = open
		case c == '.' || c == '?' || isIdentChar(string(c)):
			parts = append(parts, string(c))
			i--
		default:
			break scan
		}
	}
	var b strings.Builder
	for j := len(parts) - 1; j >= 0; j-- {
		b.WriteString(parts[j])
	}
	return strings.TrimLeft(b.String(), ".?")
}

// matchingClose finds the bracket that closes the one text starts with.
func matchingClose(text string) int {
	depth := 0
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// matchingOpen finds the bracket that opens the one text ends with.
func matchingOpen(text string) int {
	depth := 0
	for i := len(text) - 1; i >= 0; i-- {
		switch text[i] {
		case ')', ']':
			depth++
		case '(', '[':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func isIdentChar(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// sourceLine is line n (1-based) of src, or "".
func sourceLine(src string, n int) string {
	for ; n > 1; n-- {
		i := strings.IndexByte(src, '\n')
		if i < 0 {
			return ""
		}
		src = src[i+1:]
	}
	if i := strings.IndexByte(src, '\n'); i >= 0 {
		return src[:i]
	}
	return src
}
