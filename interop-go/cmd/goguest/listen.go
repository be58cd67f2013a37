package main

// Guest.Listen and the host proxy: every connection accepted on a Listen
// socket (every peer, on a datagram socket) gets a connection to host port
// 2 that starts with a gob ConnectionRequest.

import (
	"encoding/gob"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"boxpark.dev/interop-go/contract"
)

// peerQueue is how many datagrams of one peer wait for its host connection.
const peerQueue = 64

// listen is Guest.Listen: it returns the bound address.
func (g *guest) listen(req contract.ListenRequest) (string, error) {
	switch req.Network {
	case "tcp", "tcp4", "tcp6", "unix":
		ln, err := net.Listen(req.Network, req.Address)
		if err != nil {
			return "", err
		}
		g.addSocket(ln)
		go g.forwardStreams(ln, req)
		slog.Info("listening", "network", req.Network, "address", ln.Addr().String())
		return ln.Addr().String(), nil
	case "udp", "udp4", "udp6", "unixgram":
		if req.BufferSize <= 0 {
			return "", fmt.Errorf("listen %s %s: BufferSize must be > 0 for a datagram network", req.Network, req.Address)
		}
		pc, err := net.ListenPacket(req.Network, req.Address)
		if err != nil {
			return "", err
		}
		g.addSocket(pc)
		f := &datagramForwarder{g: g, pc: pc, req: req, peers: map[string]*datagramPeer{}}
		go f.run()
		slog.Info("listening", "network", req.Network, "address", pc.LocalAddr().String())
		return pc.LocalAddr().String(), nil
	default:
		return "", &net.OpError{Op: "listen", Net: req.Network, Err: net.UnknownNetworkError(req.Network)}
	}
}

// forwardStreams hands each connection accepted on ln to the host.
func (g *guest) forwardStreams(ln net.Listener, req contract.ListenRequest) {
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			slog.Warn("accept failed", "network", req.Network, "address", req.Address, "error", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		go func() {
			h, err := g.dialHostProxy(contract.ConnectionRequest{
				Network:       req.Network,
				ListenAddress: req.Address,
				LocalAddress:  addrString(c.LocalAddr()),
				RemoteAddress: addrString(c.RemoteAddr()),
			})
			if err != nil {
				slog.Warn("host proxy: cannot reach host port 2", "network", req.Network, "address", req.Address, "error", err)
				c.Close()
				return
			}
			splice(c, h)
		}()
	}
}

// dialHostProxy connects to host port 2 and sends cr.
func (g *guest) dialHostProxy(cr contract.ConnectionRequest) (net.Conn, error) {
	h, err := g.tr.DialHost(proxyPort)
	if err != nil {
		return nil, err
	}
	if err := gob.NewEncoder(h).Encode(cr); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// addrString is a's text: "" for no address and for an unnamed Unix socket
// (which net shows as "@").
func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	if s := a.String(); s != "@" {
		return s
	}
	return ""
}

// datagramForwarder serves a datagram socket opened by Listen: one host
// connection per peer address. Unnamed Unix peers have no address: they
// share one connection, and what the host sends on it is dropped.
type datagramForwarder struct {
	g   *guest
	pc  net.PacketConn
	req contract.ListenRequest

	mu    sync.Mutex
	peers map[string]*datagramPeer
}

type datagramPeer struct {
	addr  net.Addr // nil for unnamed peers
	queue chan []byte
}

func (f *datagramForwarder) run() {
	buf := make([]byte, f.req.BufferSize)
	for {
		n, from, err := f.pc.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue // for UDP, an ICMP error about an earlier reply
		}
		d := append([]byte(nil), buf[:n]...)
		select {
		case f.peer(from).queue <- d:
		default:
			slog.Debug("host proxy: datagram dropped, the peer's queue is full", "peer", addrString(from))
		}
	}
}

// peer is from's peer, started when new.
func (f *datagramForwarder) peer(from net.Addr) *datagramPeer {
	key := addrString(from)
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.peers[key]; ok {
		return p
	}
	p := &datagramPeer{addr: from, queue: make(chan []byte, peerQueue)}
	if key == "" {
		p.addr = nil
	}
	f.peers[key] = p
	go f.serve(key, p)
	return p
}

// serve carries one peer's datagrams to the host and the host's back to
// the peer, until the host closes the connection or it has been idle for
// datagramIdle.
func (f *datagramForwarder) serve(key string, p *datagramPeer) {
	defer func() {
		f.mu.Lock()
		delete(f.peers, key)
		f.mu.Unlock()
	}()
	h, err := f.g.dialHostProxy(contract.ConnectionRequest{
		Network:       f.req.Network,
		ListenAddress: f.req.Address,
		LocalAddress:  addrString(f.pc.LocalAddr()),
		RemoteAddress: key,
	})
	if err != nil {
		slog.Warn("host proxy: cannot reach host port 2", "network", f.req.Network, "address", f.req.Address, "peer", key, "error", err)
		return
	}
	defer h.Close()
	idle := time.AfterFunc(datagramIdle, func() { h.Close() })
	defer idle.Stop()
	hostDone := make(chan struct{})
	go func() { // host to peer
		defer close(hostDone)
		dec := gob.NewDecoder(h)
		for {
			var d []byte
			if err := dec.Decode(&d); err != nil {
				return
			}
			idle.Reset(datagramIdle)
			if p.addr != nil {
				_, _ = f.pc.WriteTo(d, p.addr)
			}
		}
	}()
	enc := gob.NewEncoder(h)
	for { // peer to host
		select {
		case d := <-p.queue:
			idle.Reset(datagramIdle)
			if err := enc.Encode(d); err != nil {
				return
			}
		case <-hostDone:
			return
		}
	}
}
