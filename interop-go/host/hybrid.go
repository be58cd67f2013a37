package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Ports of the contract.
const (
	// GuestPort is the guest's only port: RPC and proxy connections.
	GuestPort uint32 = 1
	// EventPort is the host port of the event stream.
	EventPort uint32 = 1
	// ProxyPort is the host port of the host proxy.
	ProxyPort uint32 = 2
)

// HandshakeTimeout bounds the hybrid CONNECT handshake when the context has
// no deadline of its own.
const HandshakeTimeout = 10 * time.Second

// maxOKLine is the longest "OK <n>" line accepted (without its newline).
const maxOKLine = 64

// HostPath is the Unix socket on which a guest using the hybrid socket uds
// reaches host port port: "<uds>_<port>".
func HostPath(uds string, port uint32) string {
	return uds + "_" + strconv.FormatUint(uint64(port), 10)
}

// EventPath is the socket of host port 1 (event stream): "<uds>_1".
func EventPath(uds string) string { return HostPath(uds, EventPort) }

// ProxyPath is the socket of host port 2 (host proxy): "<uds>_2".
func ProxyPath(uds string) string { return HostPath(uds, ProxyPort) }

// DialHybrid connects to guest port port through the hybrid socket uds: it
// writes "CONNECT <port>\n" and reads the guest's "OK <n>\n" one byte at a
// time, so that nothing after the newline is consumed. The returned conn is a
// *net.UnixConn carrying the guest port's stream.
func DialHybrid(uds string, port uint32) (net.Conn, error) {
	return DialHybridContext(context.Background(), uds, port)
}

// DialHybridContext is [DialHybrid] bounded by ctx (and by
// [HandshakeTimeout] when ctx has no deadline).
func DialHybridContext(ctx context.Context, uds string, port uint32) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", uds)
	if err != nil {
		return nil, fmt.Errorf("hybrid dial %s: %w", uds, err)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(HandshakeTimeout)
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	_, err = handshake(conn, port)
	stop()
	if err == nil {
		err = conn.SetDeadline(time.Time{})
	}
	if err != nil {
		conn.Close()
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return nil, fmt.Errorf("hybrid handshake with %s for port %d: %w", uds, port, err)
	}
	return conn, nil
}

// handshake writes the CONNECT line and reads the OK line; it returns the
// number the guest answered with.
func handshake(conn net.Conn, port uint32) (uint64, error) {
	if _, err := io.WriteString(conn, "CONNECT "+strconv.FormatUint(uint64(port), 10)+"\n"); err != nil {
		return 0, err
	}
	var line []byte
	var b [1]byte
	for {
		if _, err := io.ReadFull(conn, b[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return 0, fmt.Errorf("guest closed the connection after %q (is port %d served?)", line, port)
			}
			return 0, err
		}
		if b[0] == '\n' {
			break
		}
		line = append(line, b[0])
		if len(line) > maxOKLine {
			return 0, fmt.Errorf("answer line longer than %d bytes: %q", maxOKLine, line)
		}
	}
	text := strings.TrimSuffix(string(line), "\r")
	rest, ok := strings.CutPrefix(text, "OK ")
	if !ok {
		return 0, fmt.Errorf("unexpected answer %q, want \"OK <n>\"", text)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(rest), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("unexpected answer %q: %v", text, err)
	}
	return n, nil
}

// CloseWrite half-closes conn (shuts down its writing side) when it supports
// that, as *net.UnixConn and *net.TCPConn do.
func CloseWrite(conn net.Conn) error {
	cw, ok := conn.(interface{ CloseWrite() error })
	if !ok {
		return fmt.Errorf("%T cannot half-close", conn)
	}
	return cw.CloseWrite()
}
