package ocap_test

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/platform"
	"github.com/ocapgo/ocap/store"
)

// quiet keeps the examples' output to what they print.
var quiet = hclog.NewNullLogger()

func ExampleMake() {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	k, err := ocap.Make(ctx, platform.New(platform.Options{Logger: quiet}), db, ocap.Options{Logger: quiet})
	if err != nil {
		panic(err)
	}
	defer k.Stop(ctx)
	st, err := k.GetStatus(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(st.Vats), "vats,", st.RemoteComms.State)
	// Output: 0 vats, disconnected
}

// Calculator is a kernel service: vats call E(calc).add(a, b).
type Calculator struct{}

func (Calculator) Add(a, b float64) float64 { return a + b }

func ExampleKernel_RegisterKernelServiceObject() {
	ctx := context.Background()
	db, _ := store.Open(ctx, "sqlite::memory:")
	defer db.Close()
	k, err := ocap.Make(ctx, platform.New(platform.Options{Logger: quiet}), db, ocap.Options{Logger: quiet})
	if err != nil {
		panic(err)
	}
	defer k.Stop(ctx)
	if err := k.RegisterKernelServiceObject("calc", Calculator{}); err != nil {
		panic(err)
	}
	cfg, _ := ocap.LoadClusterConfig("testdata/clusters/service-user.json")
	res, err := k.LaunchSubcluster(ctx, cfg)
	if err != nil {
		panic(err)
	}
	out, err := k.QueueMessage(ctx, res.RootKref, "call", []any{"calc", "add", 2, 3})
	if err != nil {
		panic(err)
	}
	var sum int
	if err := out.Decode(&sum); err != nil {
		panic(err)
	}
	fmt.Println(sum)
	// Output: 5
}

func ExampleKernel_LaunchSubcluster() {
	ctx := context.Background()
	db, _ := store.Open(ctx, "sqlite::memory:")
	defer db.Close()
	k, err := ocap.Make(ctx, platform.New(platform.Options{Logger: quiet}), db, ocap.Options{Logger: quiet})
	if err != nil {
		panic(err)
	}
	defer k.Stop(ctx)
	cfg, err := ocap.LoadClusterConfig("testdata/clusters/hello.json")
	if err != nil {
		panic(err)
	}
	res, err := k.LaunchSubcluster(ctx, cfg)
	if err != nil {
		panic(err)
	}
	boot, _ := res.BootstrapResult.Unmarshal()
	fmt.Println(res.SubclusterID, boot)
	// Output: s1 alice is ready
}

func ExampleKernel_QueueMessage() {
	ctx := context.Background()
	db, _ := store.Open(ctx, "sqlite::memory:")
	defer db.Close()
	k, err := ocap.Make(ctx, platform.New(platform.Options{Logger: quiet}), db, ocap.Options{Logger: quiet})
	if err != nil {
		panic(err)
	}
	defer k.Stop(ctx)
	cfg, _ := ocap.LoadClusterConfig("testdata/clusters/hello.json")
	res, err := k.LaunchSubcluster(ctx, cfg)
	if err != nil {
		panic(err)
	}
	out, err := k.QueueMessage(ctx, res.RootKref, "hello", []any{"world"})
	if err != nil {
		panic(err)
	}
	greeting, _ := out.Unmarshal()
	fmt.Println(greeting)
	// Output: hello world, from Bob
}
