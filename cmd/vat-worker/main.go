// Command vat-worker runs one vat in its own process. The kernel starts it
// through go-plugin; run by hand, it says so and exits.
package main

import "github.com/ocapgo/ocap/supervisor"

func main() {
	supervisor.Serve(supervisor.Options{})
}
