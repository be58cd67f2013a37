package main

// The start_to_info group: from the start of a fresh process to its Info.

import (
	"context"
	"fmt"
	"time"

	"boxpark.dev/interop-go/guesttest"
	"boxpark.dev/interop-go/host"
)

func runStartToInfo(ctx context.Context, b *bench, spec guestSpec) (map[string]float64, error) {
	d := make([]time.Duration, 0, b.sizes.starts)
	for i := 0; i < b.sizes.starts; i++ {
		took, err := startOnce(ctx, b, spec)
		if err != nil {
			return nil, fmt.Errorf("start %d: %w", i+1, err)
		}
		d = append(d, took)
	}
	return map[string]float64{"start_to_info": millis(percentile(d, 50))}, nil
}

// startOnce starts a guest without opening the RPC connection (so that
// nothing but the guest's own start-up runs until its Info arrives), times
// it from just before StartLocal (which binds the two host sockets, then
// execs the guest) to the EventServer's receipt of the Info, then opens the
// RPC connection to shut it down cleanly.
func startOnce(ctx context.Context, b *bench, spec guestSpec) (time.Duration, error) {
	g, err := b.start(ctx, spec, guesttest.LocalOptions{NoConnect: true})
	if err != nil {
		return 0, err
	}
	defer g.stop(b)
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	e, err := g.Events.Wait(wctx, 0, func(e host.Event) bool { return e.Info != nil || e.Err != nil })
	if err != nil {
		return 0, fmt.Errorf("no Info on the event stream: %w", err)
	}
	if e.Err != nil {
		return 0, fmt.Errorf("event stream: %w", e.Err)
	}
	took := e.Received.Sub(g.begin)
	if g.Client, err = host.DialRetry(wctx, g.UDS); err != nil {
		return 0, err
	}
	return took, nil
}
