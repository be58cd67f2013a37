package main

// The throughput groups: tcp and unix (proxy and direct), host_proxy_tcp.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/guesttest"
	"boxpark.dev/interop-go/host"
)

const (
	writeChunk = 64 << 10  // each write of the sender
	readChunk  = 256 << 10 // each read of the sinks
	dialLimit  = 10 * time.Second
)

// count is what a sink saw on one connection: its bytes up to EOF.
type count struct {
	n   int64
	err error
}

// drain reads r to EOF and counts the bytes.
func drain(r io.Reader) count {
	buf := make([]byte, readChunk)
	var c count
	for {
		n, err := r.Read(buf)
		c.n += int64(n)
		if errors.Is(err, io.EOF) {
			return c
		}
		if err != nil {
			c.err = err
			return c
		}
	}
}

// sink accepts connections and drains each, sending its count on counts.
type sink struct {
	*connServer
	counts chan count
}

func listenSink(network, address string) (*sink, error) {
	counts := make(chan count, 16)
	srv, err := serveConns(network, address, func(c net.Conn) {
		n := drain(c)
		// Closed before the count goes out, as the sender's time ends at the
		// count (serveConns closes it again, harmlessly).
		c.Close()
		select {
		case counts <- n:
		default: // nobody waits for it any more
		}
	})
	if err != nil {
		return nil, err
	}
	return &sink{connServer: srv, counts: counts}, nil
}

// push writes total bytes to conn in 64 KiB writes, half-closes it, and
// waits for the sink's count; it returns MiB/s from the first write to the
// count.
func push(ctx context.Context, conn net.Conn, total int64, counts <-chan count) (float64, error) {
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	buf := make([]byte, writeChunk)
	for i := range buf {
		buf[i] = 0x5a
	}
	start := time.Now()
	for sent := int64(0); sent < total; {
		p := buf
		if rest := total - sent; rest < int64(len(p)) {
			p = p[:rest]
		}
		n, err := conn.Write(p)
		sent += int64(n)
		if err != nil {
			return 0, fmt.Errorf("writing after %d bytes: %w", sent, err)
		}
	}
	if err := host.CloseWrite(conn); err != nil {
		return 0, err
	}
	select {
	case c := <-counts:
		elapsed := time.Since(start)
		if c.err != nil {
			return 0, fmt.Errorf("the sink read %d bytes, then: %w", c.n, c.err)
		}
		if c.n != total {
			return 0, fmt.Errorf("the sink read %d bytes, want %d", c.n, total)
		}
		return float64(total) / (1 << 20) / elapsed.Seconds(), nil
	case <-ctx.Done():
		return 0, fmt.Errorf("waiting for the sink's EOF: %w", ctx.Err())
	}
}

// runStream measures network ("tcp" or "unix") straight to a sink in this
// process, then through a proxy connection of a fresh guest to the same
// sink.
func runStream(ctx context.Context, b *bench, spec guestSpec, network string) (map[string]float64, error) {
	g, err := b.start(ctx, spec, guesttest.LocalOptions{})
	if err != nil {
		return nil, err
	}
	defer g.stop(b)
	address := "127.0.0.1:0"
	if network == "unix" {
		address = filepath.Join(g.dir, "sink.sock")
	}
	s, err := listenSink(network, address)
	if err != nil {
		return nil, err
	}
	defer s.close()
	total := b.sizes.streamBytes

	conn, err := net.DialTimeout(network, s.addr(), dialLimit)
	if err != nil {
		return nil, err
	}
	direct, err := push(ctx, conn, total, s.counts)
	conn.Close()
	if err != nil {
		return nil, fmt.Errorf("%s direct: %w", network, err)
	}

	dctx, cancel := context.WithTimeout(ctx, dialLimit)
	conn, err = host.ProxyContext(dctx, g.UDS, contract.ProxyRequest{Network: network, Address: s.addr()})
	cancel()
	if err != nil {
		return nil, err
	}
	proxied, err := push(ctx, conn, total, s.counts)
	conn.Close()
	if err != nil {
		return nil, fmt.Errorf("%s proxy: %w", network, err)
	}
	return map[string]float64{
		network + "_direct":       direct,
		network + "_proxy":        proxied,
		network + "_proxy/direct": proxied / direct,
	}, nil
}

// runHostProxy sends to a tcp socket the guest listens on; the host-proxy
// handler is the sink.
func runHostProxy(ctx context.Context, b *bench, spec guestSpec) (map[string]float64, error) {
	counts := make(chan count, 16)
	handler := func(h *host.HostConn) {
		n := drain(h.Conn)
		h.Conn.Close()
		select {
		case counts <- n:
		default:
		}
	}
	g, err := b.start(ctx, spec, guesttest.LocalOptions{ProxyHandler: handler})
	if err != nil {
		return nil, err
	}
	defer g.stop(b)
	resp, err := g.Client.Listen(ctx, contract.ListenRequest{Network: "tcp", Address: "127.0.0.1:0"})
	if err != nil {
		return nil, fmt.Errorf("Guest.Listen: %w", err)
	}
	conn, err := net.DialTimeout("tcp", resp.Address, dialLimit)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	rate, err := push(ctx, conn, b.sizes.streamBytes, counts)
	if err != nil {
		return nil, fmt.Errorf("host proxy: %w", err)
	}
	return map[string]float64{"host_proxy_tcp": rate}, nil
}
