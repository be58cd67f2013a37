package host

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"boxpark.dev/interop-go/contract"
)

// Proxy opens a proxy connection: it dials guest port 1 through the hybrid
// socket uds, writes req with a fresh gob.Encoder (its type definition, then
// the value) and returns the connection for raw use. The RPC connection must
// already be open, or this connection becomes the RPC connection.
func Proxy(uds string, req contract.ProxyRequest) (net.Conn, error) {
	return ProxyContext(context.Background(), uds, req)
}

// ProxyContext is [Proxy] with the dial bounded by ctx.
func ProxyContext(ctx context.Context, uds string, req contract.ProxyRequest) (net.Conn, error) {
	conn, _, err := proxy(ctx, uds, req)
	return conn, err
}

func proxy(ctx context.Context, uds string, req contract.ProxyRequest) (net.Conn, *gob.Encoder, error) {
	conn, err := DialHybridContext(ctx, uds, GuestPort)
	if err != nil {
		return nil, nil, err
	}
	enc := gob.NewEncoder(conn)
	if err := enc.Encode(&req); err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("sending %s proxy request for %q: %w", req.Network, req.Address, err)
	}
	return conn, enc, nil
}

// Datagrams carries datagrams over a stream connection as gob []byte values,
// one gob stream per direction, as "udp" and "unixgram" proxy and host-proxy
// connections do. Send and Recv may be used from different goroutines.
type Datagrams struct {
	conn net.Conn
	wmu  sync.Mutex
	enc  *gob.Encoder
	rmu  sync.Mutex
	dec  *gob.Decoder
}

// NewDatagrams starts both gob streams fresh on conn: right for a proxy
// connection made with [Proxy] ([]byte is a predefined gob type, so a fresh
// encoder writes the same bytes as the one that wrote the ProxyRequest).
func NewDatagrams(conn net.Conn) *Datagrams {
	return &Datagrams{conn: conn, enc: gob.NewEncoder(conn), dec: gob.NewDecoder(conn)}
}

// ProxyDatagrams opens a "udp" or "unixgram" proxy connection (req.Network)
// and returns it ready for datagrams.
func ProxyDatagrams(uds string, req contract.ProxyRequest) (*Datagrams, error) {
	return ProxyDatagramsContext(context.Background(), uds, req)
}

// ProxyDatagramsContext is [ProxyDatagrams] with the dial bounded by ctx.
func ProxyDatagramsContext(ctx context.Context, uds string, req contract.ProxyRequest) (*Datagrams, error) {
	conn, enc, err := proxy(ctx, uds, req)
	if err != nil {
		return nil, err
	}
	return &Datagrams{conn: conn, enc: enc, dec: gob.NewDecoder(conn)}, nil
}

// Send writes one datagram.
func (d *Datagrams) Send(p []byte) error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if p == nil {
		p = []byte{}
	}
	return d.enc.Encode(p)
}

// Recv reads one datagram; io.EOF when the other side closed.
func (d *Datagrams) Recv() ([]byte, error) {
	d.rmu.Lock()
	defer d.rmu.Unlock()
	var p []byte
	if err := d.dec.Decode(&p); err != nil {
		return nil, err
	}
	if p == nil {
		p = []byte{}
	}
	return p, nil
}

// Conn is the underlying connection (for deadlines).
func (d *Datagrams) Conn() net.Conn { return d.conn }

// Close closes the connection.
func (d *Datagrams) Close() error { return d.conn.Close() }

// LaunchReader reads the LaunchOutput stream of a "launch" proxy connection.
type LaunchReader struct {
	dec    *gob.Decoder
	exited bool
}

// ReadLaunch reads LaunchOutput values from r (a "launch" proxy connection).
func ReadLaunch(r io.Reader) *LaunchReader {
	return &LaunchReader{dec: gob.NewDecoder(r)}
}

// ErrNoExit is returned by [LaunchReader.Next] when the stream ended before
// a message with Exited set.
var ErrNoExit = errors.New("launch stream ended without an Exited message")

// Next returns the next batch. After the message with Exited set it returns
// io.EOF; a stream that ends before that returns an error wrapping
// [ErrNoExit] (for example when the guest could not start the program).
func (l *LaunchReader) Next() (contract.LaunchOutput, error) {
	if l.exited {
		return contract.LaunchOutput{}, io.EOF
	}
	var out contract.LaunchOutput
	if err := l.dec.Decode(&out); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return out, fmt.Errorf("%w (%v)", ErrNoExit, err)
		}
		return out, err
	}
	if out.Exited {
		l.exited = true
	}
	return out, nil
}

// LaunchResult is a whole "launch" stream.
type LaunchResult struct {
	Batches  []contract.LaunchOutput // every message, the final one included
	Stdout   []string                // lines of stream 1, in order
	Stderr   []string                // lines of stream 2, in order
	ExitCode int                     // from the final message
}

// Collect reads the stream to its end.
func (l *LaunchReader) Collect() (*LaunchResult, error) {
	res := &LaunchResult{}
	for {
		out, err := l.Next()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		res.Batches = append(res.Batches, out)
		switch out.Stream {
		case 1:
			res.Stdout = append(res.Stdout, out.Lines...)
		case 2:
			res.Stderr = append(res.Stderr, out.Lines...)
		}
		if out.Exited {
			res.ExitCode = out.ExitCode
		}
	}
}

// Launch opens a "launch" proxy connection (req.Network is set to "launch")
// and returns it with a reader of its output. Closing conn before the
// process exits makes the guest stop it.
func Launch(uds string, req contract.ProxyRequest) (net.Conn, *LaunchReader, error) {
	return LaunchContext(context.Background(), uds, req)
}

// LaunchContext is [Launch] with the dial bounded by ctx.
func LaunchContext(ctx context.Context, uds string, req contract.ProxyRequest) (net.Conn, *LaunchReader, error) {
	req.Network = "launch"
	conn, _, err := proxy(ctx, uds, req)
	if err != nil {
		return nil, nil, err
	}
	return conn, ReadLaunch(conn), nil
}

// ReadFile reads a file of the guest through a "file" proxy connection. The
// guest answers a file it cannot read by closing the connection (and logging
// the error on the event stream), so a missing file reads as empty here.
func ReadFile(ctx context.Context, uds, path string) ([]byte, error) {
	conn, _, err := proxy(ctx, uds, contract.ProxyRequest{Network: "file", Address: path})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetReadDeadline(d)
	}
	return io.ReadAll(conn)
}
