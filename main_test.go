package ocap_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/ocapgo/ocap/internal/testutil"
)

func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == "hostile-worker" {
		serveHostileWorker()
		os.Exit(0)
	}
	if err := testutil.SetWorkerEnv(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
