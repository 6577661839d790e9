package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/ocapgo/ocap"
)

// bigStoreVat keeps a durable big map store in its baggage; fill and
// readRandom run inside one delivery each.
const bigStoreVat = `import { makeDefaultExo } from '@metamask/kernel-utils/exo';
import { provideDurableMapStore } from '@agoric/vat-data';
export function buildRootObject(_vatPowers, _parameters, baggage) {
  const big = provideDurableMapStore(baggage, 'big');
  return makeDefaultExo('root', {
    bootstrap: () => 'ready',
    fill(from, to) {
      for (let i = from; i < to; i += 1) big.init('k' + i, 'value ' + i);
      return big.getSize();
    },
    readRandom(keys) {
      let found = 0;
      for (const i of keys) if (big.get('k' + i) === 'value ' + i) found += 1;
      return found;
    },
  });
}
`

// bigStoreResult is what the big-store rows report.
type bigStoreResult struct {
	fill                      time.Duration
	restart                   time.Duration // Make over the store until the vat answers a ping
	workerIdle, kernelIdle    int64         // RSS in bytes after the restart
	read                      time.Duration // 1,000 random keys in one delivery
	workerAfter, kernelAfter  int64         // RSS after the reads
	kernelHeapIdle, heapAfter uint64        // the kernel's live Go heap
}

// bigStoreRows reports the big store rows, on SQLite, each one measurement.
func bigStoreRows(ctx context.Context, dir string, n int, out *reporter) error {
	big, err := bigStore(ctx, dir, n)
	if err != nil {
		return err
	}
	row := func(name string, v float64, unit string) {
		out.add(fmt.Sprintf("bigstore/%dk/%s", n/1000, name), "sqlite", unit, []float64{v})
	}
	row("fill", big.fill.Seconds(), "s")
	row("restart", ms(big.restart), "ms")
	row("worker-rss-idle", mib(big.workerIdle), "MiB")
	row("kernel-rss-idle", mib(big.kernelIdle), "MiB")
	row("kernel-heap-idle", mib(int64(big.kernelHeapIdle)), "MiB")
	row("read-1000-random", ms(big.read), "ms")
	row("worker-rss-after", mib(big.workerAfter), "MiB")
	row("kernel-rss-after", mib(big.kernelAfter), "MiB")
	row("kernel-heap-after", mib(int64(big.heapAfter)), "MiB")
	return nil
}

// bigStore fills a vat's durable big map store with n entries (fillChunk
// per delivery), restarts the kernel over the SQLite store, and measures
// the restart, the worker's and the kernel's memory, idle and after the
// vat reads 1,000 random keys.
func bigStore(ctx context.Context, dir string, n int) (res bigStoreResult, err error) {
	const fillChunk = 10_000
	cfgDir := filepath.Join(dir, "bigstore")
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		return res, err
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "big.js"), []byte(bigStoreVat), 0o644); err != nil {
		return res, err
	}
	// The default vatstore limit (16 MiB) is far below a million entries.
	cfgJSON := `{"bootstrap": "big", "vats": {"big": {"sourceSpec": "big.js", "creationOptions": {"maxVatstoreBytes": 1e12}}}}`
	cfgPath := filepath.Join(cfgDir, "cluster.json")
	if err := os.WriteFile(cfgPath, []byte(cfgJSON), 0o644); err != nil {
		return res, err
	}
	cfg, err := ocap.LoadClusterConfig(cfgPath)
	if err != nil {
		return res, err
	}
	dbURL := "sqlite://" + filepath.Join(dir, "bigstore.db")

	k, db, err := newKernel(ctx, dbURL)
	if err != nil {
		return res, err
	}
	launched, err := k.LaunchSubcluster(ctx, cfg)
	if err == nil {
		start := time.Now()
		for from := 0; from < n && err == nil; from += fillChunk {
			_, err = k.QueueMessage(ctx, launched.RootKref, "fill", []any{from, min(from+fillChunk, n)})
		}
		res.fill = time.Since(start)
	}
	stop(ctx, k, db, &err)
	if err != nil {
		return res, err
	}

	runtime.GC()
	debug.FreeOSMemory()
	start := time.Now()
	k, db, err = newKernel(ctx, dbURL)
	if err != nil {
		return res, err
	}
	defer stop(ctx, k, db, &err)
	st, err := k.GetStatus(ctx)
	if err != nil || len(st.Vats) != 1 {
		return res, fmt.Errorf("status after the restart: %+v, %v", st, err)
	}
	vat := st.Vats[0]
	if _, err := k.PingVat(ctx, vat.ID); err != nil {
		return res, err
	}
	res.restart = time.Since(start)
	res.workerIdle, res.kernelIdle, res.kernelHeapIdle = memory(vat.PID)

	keys := make([]any, 1000)
	for i := range keys {
		keys[i] = rand.IntN(n)
	}
	start = time.Now()
	out, err := k.QueueMessage(ctx, launched.RootKref, "readRandom", []any{keys})
	res.read = time.Since(start)
	if err != nil {
		return res, err
	}
	if v, _ := out.Unmarshal(); v != float64(len(keys)) {
		return res, fmt.Errorf("readRandom found %v of %d keys", v, len(keys))
	}
	res.workerAfter, res.kernelAfter, res.heapAfter = memory(vat.PID)
	return res, nil
}

// memory is the worker's RSS, this process's (the kernel's) RSS, and the
// kernel's live Go heap after a collection.
func memory(workerPID int) (worker, kernel int64, heap uint64) {
	heap = liveHeap()
	return rssBytes(strconv.Itoa(workerPID)), rssBytes("self"), heap
}
