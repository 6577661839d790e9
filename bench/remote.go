package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ocapgo/ocap"
	"github.com/ocapgo/ocap/remote"
	"github.com/ocapgo/ocap/store"
)

// remoteRows runs remote/pingpong: pingpong with bob on another kernel.
// Kernel B, over the store at urlB, runs bob (target.json) and issues an
// ocap URL for him; kernel A, over urlA, runs alice (pingpong.json's
// driver alone, with the ocapURLRedemptionService), who redeems it. Both
// kernels live in this process, each with its own workers and a libp2p
// node on 127.0.0.1; both are stopped and their stores closed before
// this returns.
func remoteRows(ctx context.Context, cfg config, urlA, urlB, s string, out *reporter) (err error) {
	n := cfg.roundTrips
	// A hang in remote comms should end the run, not stall it: the
	// deadline allows 20 ms a round trip, the warm-up included, and a
	// minute for starting up.
	wait := time.Minute + time.Duration((cfg.runs*n+min(n, 100))*20)*time.Millisecond
	rctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()

	a, dbA, err := newRemoteKernel(rctx, urlA)
	if err != nil {
		return fmt.Errorf("kernel A: %w", err)
	}
	defer stop(ctx, a, dbA, &err)
	b, dbB, err := newRemoteKernel(rctx, urlB)
	if err != nil {
		return fmt.Errorf("kernel B: %w", err)
	}
	defer stop(ctx, b, dbB, &err)

	tcfg, err := benchCluster("target.json")
	if err != nil {
		return err
	}
	bob, err := b.LaunchSubcluster(rctx, tcfg)
	if err != nil {
		return fmt.Errorf("launching target.json on kernel B: %w", err)
	}
	url, err := b.IssueURL(rctx, bob.RootKref)
	if err != nil {
		return fmt.Errorf("issuing an ocap URL for bob: %w", err)
	}
	acfg, err := benchCluster("pingpong.json")
	if err != nil {
		return err
	}
	acfg.Vats = map[string]ocap.VatConfig{"alice": acfg.Vats["alice"]}
	acfg.VatOrder = []string{"alice"}
	acfg.Services = []string{"ocapURLRedemptionService"}
	res, err := a.LaunchSubcluster(rctx, acfg)
	if err != nil {
		return fmt.Errorf("launching alice on kernel A: %w", err)
	}
	alice := res.RootKref
	if _, err := a.QueueMessage(rctx, alice, "redeem", []any{"bob", url}); err != nil {
		return fmt.Errorf("alice redeeming bob's URL %s: %w", url, hung(rctx, wait, err))
	}
	w := workload{"remote/pingpong", "round trips/s", alice, "pingPong", []any{n}, []any{min(n, 100)}, float64(n), float64(n), cfg.runs}
	return hung(rctx, wait, measure(rctx, a, w, s, out))
}

// newRemoteKernel is a kernel with remote comms listening on a free port
// of 127.0.0.1. Its inbound rate limit is lifted: at the default (100
// frames a second from each peer, and each kernel takes in two frames a
// round trip) the row would measure the limit, not the kernels.
func newRemoteKernel(ctx context.Context, dbURL string) (*ocap.Kernel, store.Store, error) {
	return openKernel(ctx, dbURL, 0, ocap.Options{RemoteComms: &ocap.RemoteCommsOptions{Network: remote.Network{
		ListenAddrs:       []string{"/ip4/127.0.0.1/tcp/0"},
		MessagesPerSecond: 1_000_000,
	}}})
}

// hung says so when err came from the deadline of remoteRows.
func hung(ctx context.Context, wait time.Duration, err error) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %v (remote comms hung?): %w", wait, err)
	}
	return err
}
