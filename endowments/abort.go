package endowments

import "github.com/dop251/goja"

// abort.go: AbortController and AbortSignal (js/abort.js). The only Go
// part is AbortSignal.timeout, which runs on the vat's timer heap and so
// exists only when the vat was also granted setTimeout: a timeout is as
// much a clock as setTimeout is.

func makeAbort(e *env) (map[string]goja.Value, error) {
	if e.granted("setTimeout") {
		e.scheduler()
	}
	return e.exports("abort", "AbortController", "AbortSignal"), nil
}
