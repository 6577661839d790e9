package store_test

import (
	"context"
	"fmt"

	"github.com/ocapgo/ocap/store"
)

func Example() {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite::memory:")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	// One crank's writes: all of them or none.
	err = db.Commit(ctx, []store.Write{
		{Key: "v1.c.ko10", Value: "o+0"},
		{Key: "v1.c.ko9", Value: "o+1"},
		{Key: "v10.c.ko11", Value: "o+0"},
		{Key: "v1.c.kp3", Value: "p-1"},
		{Key: "v1.c.kp3", Delete: true}, // the last write to a key wins
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// Keys come back in byte order: "ko10" sorts before "ko9".
	db.Scan(ctx, "v1.c.", func(key, value string) error {
		fmt.Println(key, value)
		return nil
	})
	// Output:
	// v1.c.ko10 o+0
	// v1.c.ko9 o+1
}
