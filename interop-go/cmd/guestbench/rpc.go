package main

// The RPC groups: mkdir16, mkdir_seq, run_10mib, write_16mib, run_true.

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/guesttest"
)

const (
	mkdirCallers = 16
	runBytes     = 10 << 20
	writeBytes   = 16 << 20
)

// withGuest starts a guest with an RPC connection, runs f, and stops it.
func withGuest(ctx context.Context, b *bench, spec guestSpec, f func(*running) (map[string]float64, error)) (map[string]float64, error) {
	g, err := b.start(ctx, spec, guesttest.LocalOptions{})
	if err != nil {
		return nil, err
	}
	defer g.stop(b)
	return f(g)
}

// existingDir makes dir/d with a first (warm-up) Guest.Mkdir call: the
// later calls find it there.
func existingDir(ctx context.Context, g *running) (string, error) {
	dir := filepath.Join(g.dir, "d")
	if err := g.Client.Mkdir(ctx, contract.MkdirRequest{Path: dir}); err != nil {
		return "", fmt.Errorf("warm-up Guest.Mkdir: %w", err)
	}
	return dir, nil
}

func runMkdir16(ctx context.Context, b *bench, spec guestSpec) (map[string]float64, error) {
	return withGuest(ctx, b, spec, func(g *running) (map[string]float64, error) {
		dir, err := existingDir(ctx, g)
		if err != nil {
			return nil, err
		}
		total := int64(b.sizes.mkdir16Calls)
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, mkdirCallers)
		req := contract.MkdirRequest{Path: dir}
		start := time.Now()
		for i := 0; i < mkdirCallers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= total {
					if err := g.Client.Mkdir(ctx, req); err != nil {
						errs <- fmt.Errorf("Guest.Mkdir: %w", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		close(errs)
		if err := <-errs; err != nil {
			return nil, err
		}
		return map[string]float64{"mkdir16": float64(total) / elapsed.Seconds()}, nil
	})
}

func runMkdirSeq(ctx context.Context, b *bench, spec guestSpec) (map[string]float64, error) {
	return withGuest(ctx, b, spec, func(g *running) (map[string]float64, error) {
		dir, err := existingDir(ctx, g)
		if err != nil {
			return nil, err
		}
		req := contract.MkdirRequest{Path: dir}
		d := make([]time.Duration, 0, b.sizes.mkdirSeqCalls)
		for i := 0; i < b.sizes.mkdirSeqCalls; i++ {
			start := time.Now()
			if err := g.Client.Mkdir(ctx, req); err != nil {
				return nil, fmt.Errorf("Guest.Mkdir: %w", err)
			}
			d = append(d, time.Since(start))
		}
		return map[string]float64{
			"mkdir_seq_p50": micros(percentile(d, 50)),
			"mkdir_seq_p99": micros(percentile(d, 99)),
		}, nil
	})
}

func runRun10MiB(ctx context.Context, b *bench, spec guestSpec) (map[string]float64, error) {
	req := contract.RunRequest{Command: "head", Args: []string{"-c", fmt.Sprint(runBytes), "/dev/zero"}}
	return withGuest(ctx, b, spec, func(g *running) (map[string]float64, error) {
		call := func() error {
			resp, err := g.Client.Run(ctx, req)
			if err != nil {
				return fmt.Errorf("Guest.Run head: %w", err)
			}
			if resp.ExitCode != 0 || len(resp.Stdout) != runBytes {
				return fmt.Errorf("Guest.Run head: exit code %d, %d bytes of stdout, want 0 and %d (stderr %q)",
					resp.ExitCode, len(resp.Stdout), runBytes, resp.Stderr)
			}
			return nil
		}
		d, err := timeCalls(b.sizes.bigCalls, call)
		if err != nil {
			return nil, err
		}
		return map[string]float64{"run_10mib": millis(percentile(d, 50))}, nil
	})
}

func runWrite16MiB(ctx context.Context, b *bench, spec guestSpec) (map[string]float64, error) {
	return withGuest(ctx, b, spec, func(g *running) (map[string]float64, error) {
		req := contract.WriteRequest{Path: filepath.Join(g.dir, "w.bin"), Data: bytes.Repeat([]byte{0x5a}, writeBytes)}
		call := func() error {
			if err := g.Client.Write(ctx, req); err != nil {
				return fmt.Errorf("Guest.Write: %w", err)
			}
			return nil
		}
		d, err := timeCalls(b.sizes.bigCalls, call)
		if err != nil {
			return nil, err
		}
		return map[string]float64{"write_16mib": millis(percentile(d, 50))}, nil
	})
}

func runTrue(ctx context.Context, b *bench, spec guestSpec) (map[string]float64, error) {
	return withGuest(ctx, b, spec, func(g *running) (map[string]float64, error) {
		guest, err := timeCalls(b.sizes.trueCalls, func() error {
			resp, err := g.Client.Run(ctx, contract.RunRequest{Command: "true"})
			if err != nil {
				return fmt.Errorf("Guest.Run true: %w", err)
			}
			if resp.ExitCode != 0 {
				return fmt.Errorf("Guest.Run true: exit code %d", resp.ExitCode)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		spawn, err := timeCalls(b.sizes.trueCalls, func() error {
			return exec.CommandContext(ctx, "true").Run()
		})
		if err != nil {
			return nil, fmt.Errorf("spawning true: %w", err)
		}
		r, s := micros(percentile(guest, 50)), micros(percentile(spawn, 50))
		return map[string]float64{"run_true": r, "spawn_true": s, "run_true/spawn": r / s}, nil
	})
}

// timeCalls makes one untimed warm-up call (the first call on a connection
// also carries its types' definitions), then n timed ones.
func timeCalls(n int, call func() error) ([]time.Duration, error) {
	if err := call(); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	d := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		if err := call(); err != nil {
			return nil, err
		}
		d = append(d, time.Since(start))
	}
	return d, nil
}

// percentile is the p-th percentile of d (nearest rank; p 50 is the
// median). It sorts d.
func percentile(d []time.Duration, p int) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	i := (len(d)*p + 99) / 100 // ceil(n*p/100), 1-based
	if i < 1 {
		i = 1
	}
	return d[i-1]
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
