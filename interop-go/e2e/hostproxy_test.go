package e2e

// Host port 2: connections accepted on Guest.Listen sockets come to the
// host's ProxyServer.

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
	"boxpark.dev/interop-go/internal/hosttest"
)

// nextHostConn waits up to 10 s for the next host-proxy connection.
func (g *guest) nextHostConn() *host.HostConn {
	g.t.Helper()
	select {
	case h := <-g.Proxies.C():
		g.t.Cleanup(func() { h.Close() })
		_ = h.Conn.SetDeadline(time.Now().Add(30 * time.Second))
		return h
	case <-time.After(10 * time.Second):
		g.t.Fatalf("no connection on host port 2 within 10 s (decode errors: %v)", g.Proxies.Errors())
		return nil
	}
}

// noHostConn checks that no further host-proxy connection arrives within d.
func (g *guest) noHostConn(d time.Duration) {
	g.t.Helper()
	select {
	case h := <-g.Proxies.C():
		h.Close()
		g.t.Errorf("unexpected host-proxy connection %+v", h.Request)
	case <-time.After(d):
	}
}

func TestHostProxyTCP(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	resp, err := g.Client.Listen(g.ctx, contract.ListenRequest{Network: "tcp", Address: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		c, err := net.DialTimeout("tcp", resp.Address, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(30 * time.Second))
		h := g.nextHostConn()
		hosttest.CheckConnectionRequest(t, h.Request, contract.ConnectionRequest{
			Network: "tcp", ListenAddress: "127.0.0.1:0",
			LocalAddress: resp.Address, RemoteAddress: c.LocalAddr().String(),
		})
		hybridStreamExchange(t, c, h.Conn, i)
	}
}

// hybridStreamExchange checks bytes both ways and half-closes both ways
// between a client in the guest's network (c) and the host's end (h).
func hybridStreamExchange(t *testing.T, c, h net.Conn, i int) {
	t.Helper()
	// Client to host, then the client's half-close reaches the host as EOF.
	msg := fmt.Sprintf("hello host %d", i)
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	if err := host.CloseWrite(c); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(h)
	if err != nil || string(got) != msg {
		t.Fatalf("host read %q, %v; want %q then EOF", got, err, msg)
	}
	// Host to client, still possible after the client's half-close; then
	// the host's half-close reaches the client as EOF.
	reply := fmt.Sprintf("hello guest %d", i)
	if _, err := io.WriteString(h, reply); err != nil {
		t.Fatal(err)
	}
	if err := host.CloseWrite(h); err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(c)
	if err != nil || string(got) != reply {
		t.Fatalf("client read %q, %v; want %q then EOF", got, err, reply)
	}
}

func TestHostProxyUnix(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	path := filepath.Join(g.dir, "hp.sock")
	resp, err := g.Client.Listen(g.ctx, contract.ListenRequest{Network: "unix", Address: path})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("unix", resp.Address, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	h := g.nextHostConn()
	hosttest.CheckConnectionRequest(t, h.Request, contract.ConnectionRequest{
		Network: "unix", ListenAddress: path, LocalAddress: path, RemoteAddress: "",
	})
	hybridStreamExchange(t, c, h.Conn, 0)
}

// Two UDP peers: two host connections, each with its peer's address; the
// host's replies go back to the right peer.
func TestHostProxyUDP(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	resp, err := g.Client.Listen(g.ctx, contract.ListenRequest{Network: "udp", Address: "127.0.0.1:0", BufferSize: 65535})
	if err != nil {
		t.Fatal(err)
	}
	target, err := net.ResolveUDPAddr("udp", resp.Address)
	if err != nil {
		t.Fatal(err)
	}
	var peers []*net.UDPConn
	for i := 0; i < 2; i++ {
		p, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		_ = p.SetDeadline(time.Now().Add(30 * time.Second))
		peers = append(peers, p)
	}
	conns := map[string]*host.HostConn{}
	for i, p := range peers {
		if _, err := p.WriteTo([]byte(fmt.Sprintf("from peer %d", i)), target); err != nil {
			t.Fatal(err)
		}
		h := g.nextHostConn()
		hosttest.CheckConnectionRequest(t, h.Request, contract.ConnectionRequest{
			Network: "udp", ListenAddress: "127.0.0.1:0",
			LocalAddress: resp.Address, RemoteAddress: p.LocalAddr().String(),
		})
		d := h.Datagrams()
		got, err := d.Recv()
		if err != nil || string(got) != fmt.Sprintf("from peer %d", i) {
			t.Fatalf("host got %q, %v from peer %d", got, err, i)
		}
		conns[p.LocalAddr().String()] = h
	}
	// A second datagram from peer 0 goes on peer 0's connection: no new one.
	if _, err := peers[0].WriteTo([]byte("again"), target); err != nil {
		t.Fatal(err)
	}
	got, err := conns[peers[0].LocalAddr().String()].Datagrams().Recv()
	if err != nil || string(got) != "again" {
		t.Fatalf("second datagram from peer 0 on its host connection: %q, %v", got, err)
	}
	// Replies, in reverse order, each to its own peer.
	for i := len(peers) - 1; i >= 0; i-- {
		h := conns[peers[i].LocalAddr().String()]
		if err := h.Datagrams().Send([]byte(fmt.Sprintf("to peer %d", i))); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 100)
		n, from, err := peers[i].ReadFrom(buf)
		if err != nil {
			t.Fatalf("peer %d: no reply: %v", i, err)
		}
		if string(buf[:n]) != fmt.Sprintf("to peer %d", i) || from.String() != resp.Address {
			t.Errorf("peer %d got %q from %s, want %q from %s", i, buf[:n], from, fmt.Sprintf("to peer %d", i), resp.Address)
		}
	}
	g.noHostConn(300 * time.Millisecond)
}

func TestHostProxyUnixgram(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	path := filepath.Join(g.dir, "notify")
	resp, err := g.Client.Listen(g.ctx, contract.ListenRequest{Network: "unixgram", Address: path, BufferSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	peerPath := filepath.Join(g.dir, "peer")
	p, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: peerPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_ = p.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := p.WriteTo([]byte("READY=1"), &net.UnixAddr{Name: resp.Address, Net: "unixgram"}); err != nil {
		t.Fatal(err)
	}
	h := g.nextHostConn()
	hosttest.CheckConnectionRequest(t, h.Request, contract.ConnectionRequest{
		Network: "unixgram", ListenAddress: path, LocalAddress: path, RemoteAddress: peerPath,
	})
	got, err := h.Datagrams().Recv()
	if err != nil || string(got) != "READY=1" {
		t.Fatalf("host got %q, %v", got, err)
	}
	if err := h.Datagrams().Send([]byte("ack")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, from, err := p.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "ack" {
		t.Fatalf("peer got %q from %v, %v; want \"ack\"", buf[:n], from, err)
	}
}
