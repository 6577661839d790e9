package platform

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/ocapgo/ocap/internal/testutil"
)

// BenchmarkLaunch measures a cold worker launch up to its first pong, and
// the Kill that follows, for the test binary serving a FakeVat ("fake") and
// for the real vat-worker binary ("vat-worker"). "2-vats" launches two
// workers one after the other; "2-vats-parallel" launches them at once.
func BenchmarkLaunch(b *testing.B) {
	fake := fakeWorkerOptions(b)
	fake.Logger = hclog.NewNullLogger()
	real := Options{WorkerPath: testutil.WorkerPath(b), Logger: hclog.NewNullLogger()}
	for _, bc := range []struct {
		name     string
		opts     Options
		vats     int
		parallel bool
	}{
		{"fake", fake, 1, false},
		{"vat-worker", real, 1, false},
		{"vat-worker/2-vats", real, 2, false},
		{"vat-worker/2-vats-parallel", real, 2, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := New(bc.opts)
			defer func() { _ = s.Close() }()
			ctx := context.Background()
			var launch, kill time.Duration
			for b.Loop() {
				start := time.Now()
				workers := make([]Worker, bc.vats)
				errs := make([]error, bc.vats)
				each(bc.parallel, bc.vats, func(i int) {
					workers[i], errs[i] = launchAndPing(ctx, s)
				})
				launch += time.Since(start)
				if err := errors.Join(errs...); err != nil {
					b.Fatal(err)
				}
				start = time.Now()
				each(bc.parallel, bc.vats, func(i int) { errs[i] = workers[i].Kill() })
				kill += time.Since(start)
				if err := errors.Join(errs...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(launch.Microseconds())/1000/float64(b.N), "ms-to-pong/op")
			b.ReportMetric(float64(kill.Microseconds())/1000/float64(b.N), "ms-kill/op")
		})
	}
}

func launchAndPing(ctx context.Context, s *Services) (Worker, error) {
	w, err := s.Launch(ctx, WorkerSpec{VatID: "v1"})
	if err != nil {
		return nil, err
	}
	if _, err := w.Deliver(ctx, testutil.Ping()); err != nil {
		return nil, errors.Join(err, w.Kill())
	}
	return w, nil
}

// each runs f(0..n-1), one after the other or all at once.
func each(parallel bool, n int, f func(int)) {
	if !parallel {
		for i := range n {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}

// BenchmarkPingRoundTrip measures one delivery's round trip over the
// stream to a live worker (a ping: no vat code runs), the fixed cost of
// every crank.
func BenchmarkPingRoundTrip(b *testing.B) {
	s := New(Options{WorkerPath: testutil.WorkerPath(b), Logger: hclog.NewNullLogger()})
	defer func() { _ = s.Close() }()
	w, err := launchAndPing(context.Background(), s)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := w.Deliver(context.Background(), testutil.Ping()); err != nil {
			b.Fatal(err)
		}
	}
}
