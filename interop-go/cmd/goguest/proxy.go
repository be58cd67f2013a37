package main

// Proxy connections: every connection to guest port 1 but the RPC one
// starts with a gob ProxyRequest, then carries what its network says: tcp
// and unix are spliced here, file is sent here, udp and unixgram are in
// datagram.go, launch in launch.go.

import (
	"encoding/gob"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"boxpark.dev/interop-go/contract"
)

// requestTimeout bounds the ProxyRequest: a host sends it as soon as it
// has connected.
const requestTimeout = 5 * time.Second

// serveProxy reads the ProxyRequest and serves it. A request that cannot
// be served is logged (the host sees it on the event stream) and the
// connection closed.
func (g *guest) serveProxy(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(requestTimeout))
	// gob reads exactly the request's messages from an io.ByteReader: the
	// bytes that follow stay in the connection for the target.
	dec := gob.NewDecoder(exactReader{conn})
	var req contract.ProxyRequest
	if err := dec.Decode(&req); err != nil {
		slog.Warn("proxy connection: no ProxyRequest", "error", err)
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	slog.Debug("proxy connection", "network", req.Network, "address", req.Address, "local_address", req.LocalAddress)
	if err := g.proxy(conn, dec, req); err != nil {
		attrs := []any{"network", req.Network, "address", req.Address, "error", err}
		if req.Network == "launch" {
			// os/exec's error for a missing Dir names the program only.
			attrs = append(attrs, "args", req.Args, "dir", req.Dir)
		}
		slog.Warn("proxy request failed", attrs...)
	}
}

func (g *guest) proxy(conn net.Conn, dec *gob.Decoder, req contract.ProxyRequest) error {
	switch req.Network {
	case "tcp", "unix":
		target, err := net.DialTimeout(req.Network, req.Address, dialTimeout)
		if err != nil {
			return err
		}
		splice(conn, target)
		return nil
	case "udp", "unixgram":
		return proxyDatagrams(conn, dec, req)
	case "file":
		return sendFile(conn, req.Address)
	case "launch":
		return g.launch(conn, req)
	default:
		return fmt.Errorf("unknown network %q", req.Network)
	}
}

// sendFile writes the file's bytes on conn, then shuts down conn's
// writing side.
func sendFile(conn net.Conn, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(conn, f); err != nil {
		return err
	}
	return closeWrite(conn)
}

// exactReader reads straight from the connection; being an io.ByteReader,
// it keeps gob.Decoder from putting a read-ahead buffer in between.
type exactReader struct{ r io.Reader }

func (e exactReader) Read(p []byte) (int, error) { return e.r.Read(p) }

func (e exactReader) ReadByte() (byte, error) {
	var b [1]byte
	if _, err := io.ReadFull(e.r, b[:]); err != nil {
		return 0, err
	}
	return b[0], nil
}
