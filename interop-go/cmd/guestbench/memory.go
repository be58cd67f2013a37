package main

// The rss group: the guest's resident memory idle, with 1000 proxy
// connections open, and after they are closed.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/guesttest"
	"boxpark.dev/interop-go/host"
)

const (
	echoBytes   = 4 << 10
	fdDrainWait = 10 * time.Second
)

// listenEcho is a loopback TCP server that writes back what it reads.
func listenEcho() (*connServer, error) {
	return serveConns("tcp", "127.0.0.1:0", echo)
}

// echo copies c to itself until EOF or an error, with a small buffer (not
// io.Copy, which would splice through a pipe: two more descriptors per
// connection).
func echo(c net.Conn) {
	buf := make([]byte, echoBytes)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func runRSS(ctx context.Context, b *bench, spec guestSpec) (map[string]float64, error) {
	g, err := b.start(ctx, spec, guesttest.LocalOptions{})
	if err != nil {
		return nil, err
	}
	defer g.stop(b)
	pid := g.PID()
	if err := g.Client.Mkdir(ctx, contract.MkdirRequest{Path: g.dir}); err != nil {
		return nil, fmt.Errorf("Guest.Mkdir: %w", err)
	}
	idle, err := vmRSS(pid)
	if err != nil {
		return nil, err
	}
	idleFDs, err := openFDs(pid)
	if err != nil {
		return nil, err
	}

	es, err := listenEcho()
	if err != nil {
		return nil, err
	}
	defer es.close()
	n := b.sizes.rssConns
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	payload := bytes.Repeat([]byte("0123456789abcdef"), echoBytes/16)
	back := make([]byte, echoBytes)
	for i := 0; i < n; i++ {
		c, err := host.ProxyContext(ctx, g.UDS, contract.ProxyRequest{Network: "tcp", Address: es.addr()})
		if err != nil {
			return nil, fmt.Errorf("proxy connection %d: %w", i+1, err)
		}
		conns = append(conns, c)
		if d, ok := ctx.Deadline(); ok {
			_ = c.SetDeadline(d)
		}
		if _, err := c.Write(payload); err != nil {
			return nil, fmt.Errorf("proxy connection %d: writing: %w", i+1, err)
		}
		if _, err := io.ReadFull(c, back); err != nil {
			return nil, fmt.Errorf("proxy connection %d: reading the echo: %w", i+1, err)
		}
		if !bytes.Equal(back, payload) {
			return nil, fmt.Errorf("proxy connection %d: the echo differs", i+1)
		}
	}
	loaded, err := vmRSS(pid)
	if err != nil {
		return nil, err
	}

	for _, c := range conns {
		c.Close()
	}
	conns = conns[:0]
	deadline := time.Now().Add(fdDrainWait)
	var left int
	for {
		fds, err := openFDs(pid)
		if err != nil {
			return nil, err
		}
		left = fds - idleFDs
		if left <= 0 {
			left = 0
			break
		}
		if time.Now().After(deadline) {
			b.warnf("guest %s: %d descriptors open %v after closing the connections (%s), %d when idle",
				spec.name, fds, fdDrainWait, fdKinds(pid), idleFDs)
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(time.Second):
	}
	after, err := vmRSS(pid)
	if err != nil {
		return nil, err
	}
	return map[string]float64{
		"rss_idle":       idle,
		"rss_1000":       loaded,
		"rss_after_1000": after,
		"rss_per_conn":   (loaded - idle) / float64(n),
		"fds_left_1000":  float64(left),
	}, nil
}
