// Command endow-worker is a vat-worker with a custom endowment factory, as
// a host application would build one: the default endowments plus a
// "greet" global. The end-to-end tests build it and point the kernel at it.
package main

import (
	"github.com/ocapgo/ocap/endowments"
	"github.com/ocapgo/ocap/supervisor"
)

func main() {
	supervisor.Serve(supervisor.Options{MakeAllowedGlobals: makeGlobals})
}

func makeGlobals(cfg endowments.Config) (*endowments.Endowments, error) {
	end, err := endowments.Make(cfg)
	if err != nil {
		return nil, err
	}
	greet, err := cfg.Runtime.RunString(`(function greet(who) { return 'greetings, ' + who + ', from a custom worker'; })`)
	if err != nil {
		end.Teardown()
		return nil, err
	}
	end.Globals["greet"] = greet
	return end, nil
}
