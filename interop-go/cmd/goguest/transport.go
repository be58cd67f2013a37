package main

// The hybrid vsock emulation (Firecracker's and vhost-device-vsock's
// convention): guest port 1 is the Unix socket <path>, reached with a
// "CONNECT 1\n" line answered by "OK <n>\n"; host port P is the Unix socket
// <path>_P.

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// guestPort is the only guest port.
	guestPort = 1
	// eventPort and proxyPort are the host's ports.
	eventPort = 1
	proxyPort = 2
	// handshakeTimeout bounds the CONNECT line.
	handshakeTimeout = 5 * time.Second
	// maxHandshakeLine is the longest CONNECT line read.
	maxHandshakeLine = 64
	// dialTimeout bounds every dial: host ports and proxy targets.
	dialTimeout = 10 * time.Second
)

// hybridTransport listens for the host's connections to guest port 1 and
// dials the host's ports.
type hybridTransport struct {
	path  string
	ln    net.Listener
	ready chan net.Conn // handshaken connections to guest port 1
	done  chan struct{} // closed by Close
	once  sync.Once
	ports atomic.Uint32 // the "local port" numbers answered in OK lines
}

// listenHybrid listens on path, replacing a stale socket file left by an
// earlier run (never any other kind of file). The socket listens under a
// temporary name before it is renamed to path, so a host that waits for path
// to exist is never refused (as it is between bind(2) and listen(2)).
func listenHybrid(path string) (*hybridTransport, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket == 0 {
		return nil, fmt.Errorf("%s exists and is not a socket", path)
	}
	staging := path + "~"
	_ = os.Remove(staging)
	ln, err := net.Listen("unix", staging)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(staging, path); err != nil {
		ln.Close()
		_ = os.Remove(staging)
		return nil, err
	}
	t := &hybridTransport{path: path, ln: ln, ready: make(chan net.Conn), done: make(chan struct{})}
	t.ports.Store(1023)
	go t.acceptLoop()
	return t, nil
}

func (t *hybridTransport) acceptLoop() {
	for {
		conn, err := t.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			slog.Warn("hybrid transport: accept failed", "error", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		go t.handshake(conn)
	}
}

// handshake reads the CONNECT line one byte at a time (nothing after its
// newline belongs to the handshake) and answers OK for guest port 1; any
// other line closes the connection.
func (t *hybridTransport) handshake(conn net.Conn) {
	_ = conn.SetDeadline(time.Now().Add(handshakeTimeout))
	line, err := readLine(conn, maxHandshakeLine)
	if err == nil {
		port, ok := strings.CutPrefix(strings.TrimSuffix(line, "\r"), "CONNECT ")
		if n, perr := strconv.ParseUint(strings.TrimSpace(port), 10, 32); !ok || perr != nil || n != guestPort {
			err = fmt.Errorf("refused %q: only guest port %d exists", line, guestPort)
		}
	}
	if err == nil {
		_, err = fmt.Fprintf(conn, "OK %d\n", t.ports.Add(1))
	}
	if err == nil {
		err = conn.SetDeadline(time.Time{})
	}
	if err != nil {
		slog.Debug("hybrid transport: handshake failed", "error", err)
		conn.Close()
		return
	}
	select {
	case t.ready <- conn:
	case <-t.done:
		conn.Close()
	}
}

// readLine reads up to a newline (not returned), at most limit bytes before it.
func readLine(conn net.Conn, limit int) (string, error) {
	var line bytes.Buffer
	b := make([]byte, 1)
	for {
		if _, err := conn.Read(b); err != nil {
			return "", fmt.Errorf("reading the CONNECT line: %w", err)
		}
		if b[0] == '\n' {
			return line.String(), nil
		}
		if line.Len() == limit {
			return "", fmt.Errorf("CONNECT line longer than %d bytes", limit)
		}
		line.WriteByte(b[0])
	}
}

// Accept returns the next connection to guest port 1, or net.ErrClosed
// once the transport is closed.
func (t *hybridTransport) Accept() (net.Conn, error) {
	select {
	case conn := <-t.ready:
		return conn, nil
	case <-t.done:
		return nil, net.ErrClosed
	}
}

// DialHost connects to host port port.
func (t *hybridTransport) DialHost(port uint32) (net.Conn, error) {
	return net.DialTimeout("unix", t.path+"_"+strconv.FormatUint(uint64(port), 10), dialTimeout)
}

// Close stops listening (the socket file is removed, as net does for a
// listener it created).
func (t *hybridTransport) Close() error {
	var err error
	t.once.Do(func() {
		close(t.done)
		err = t.ln.Close()
		// The listener unlinks only the name it was bound to.
		_ = os.Remove(t.path)
	})
	return err
}
