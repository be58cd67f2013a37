package host

import (
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"boxpark.dev/interop-go/contract"
)

// RequestTimeout bounds how long the [ProxyServer] waits for a
// ConnectionRequest on a new connection.
const RequestTimeout = 10 * time.Second

// HostConn is one connection the guest opened to host port 2 for a
// connection (or a datagram peer) on a socket opened by Guest.Listen.
type HostConn struct {
	// Request is the ConnectionRequest the guest sent first.
	Request contract.ConnectionRequest
	// Conn is the connection, positioned right after the request: for
	// "tcp" and "unix", the spliced byte stream.
	Conn net.Conn

	dec *gob.Decoder // the guest's gob stream, continued (datagram networks)
	dg  *Datagrams
	mu  sync.Mutex
}

// IsDatagram reports whether the network is "udp" or "unixgram".
func (h *HostConn) IsDatagram() bool {
	return h.Request.Network == "udp" || h.Request.Network == "unixgram"
}

// Datagrams returns the datagram view of a "udp" or "unixgram" connection:
// Recv continues the guest's gob stream after the ConnectionRequest; Send
// starts the host's own stream. Datagrams sent go back to the peer this
// connection stands for. Every call returns the same value.
func (h *HostConn) Datagrams() *Datagrams {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dg == nil {
		h.dg = &Datagrams{conn: h.Conn, enc: gob.NewEncoder(h.Conn), dec: h.dec}
	}
	return h.dg
}

// Close closes the connection.
func (h *HostConn) Close() error { return h.Conn.Close() }

// exactReader reads through to the connection without reading ahead:
// gob.Decoder wraps a reader that is not an io.ByteReader in a bufio.Reader,
// which could swallow spliced bytes that follow the ConnectionRequest.
type exactReader struct{ r io.Reader }

func (e *exactReader) Read(p []byte) (int, error) { return e.r.Read(p) }

func (e *exactReader) ReadByte() (byte, error) {
	var b [1]byte
	if _, err := io.ReadFull(e.r, b[:]); err != nil {
		return 0, err
	}
	return b[0], nil
}

// ProxyServer listens on host port 2 ("<UDS>_2"), decodes each connection's
// ConnectionRequest and hands the connection on.
type ProxyServer struct {
	path   string
	ln     net.Listener
	handle func(*HostConn)
	c      chan *HostConn

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	errs   []error
	closed bool
	done   chan struct{}
	wg     sync.WaitGroup
}

// ListenProxy listens on ProxyPath(uds) (removing a stale socket file).
// Each accepted connection's ConnectionRequest is decoded, then the
// connection is passed to handle in its own goroutine, or, when handle is
// nil, sent on [ProxyServer.C]. The handler owns the connection; the server
// closes whatever is still open when it is closed.
func ListenProxy(uds string, handle func(*HostConn)) (*ProxyServer, error) {
	path := ProxyPath(uds)
	ln, err := listenUnix(path)
	if err != nil {
		return nil, err
	}
	s := &ProxyServer{
		path:   path,
		ln:     ln,
		handle: handle,
		c:      make(chan *HostConn, 64),
		conns:  map[net.Conn]struct{}{},
		done:   make(chan struct{}),
	}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Path is the socket path.
func (s *ProxyServer) Path() string { return s.path }

// C delivers the connections when there is no handler.
func (s *ProxyServer) C() <-chan *HostConn { return s.c }

// Errors is every error met while reading ConnectionRequests.
func (s *ProxyServer) Errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

func (s *ProxyServer) acceptLoop() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go s.serve(conn)
	}
}

func (s *ProxyServer) serve(conn net.Conn) {
	defer s.wg.Done()
	_ = conn.SetReadDeadline(time.Now().Add(RequestTimeout))
	dec := gob.NewDecoder(&exactReader{conn})
	var req contract.ConnectionRequest
	if err := dec.Decode(&req); err != nil {
		s.mu.Lock()
		if !s.closed {
			s.errs = append(s.errs, fmt.Errorf("decoding ConnectionRequest: %w", err))
		}
		delete(s.conns, conn)
		s.mu.Unlock()
		conn.Close()
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	h := &HostConn{Request: req, Conn: &trackedConn{Conn: conn, s: s}, dec: dec}
	if s.handle != nil {
		s.handle(h)
		return
	}
	select {
	case s.c <- h:
	case <-s.done:
		conn.Close()
	}
}

// trackedConn forgets itself in the server when closed.
type trackedConn struct {
	net.Conn
	s *ProxyServer
}

func (t *trackedConn) Close() error {
	t.s.mu.Lock()
	delete(t.s.conns, t.Conn)
	t.s.mu.Unlock()
	return t.Conn.Close()
}

// CloseWrite half-closes the connection.
func (t *trackedConn) CloseWrite() error { return CloseWrite(t.Conn) }

// CloseRead shuts down the reading side.
func (t *trackedConn) CloseRead() error {
	cr, ok := t.Conn.(interface{ CloseRead() error })
	if !ok {
		return errors.New("cannot close the reading side")
	}
	return cr.CloseRead()
}

// Close stops listening, closes every connection still open (including
// those a handler still holds) and waits for the handlers to return.
func (s *ProxyServer) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	close(s.done)
	err := s.ln.Close()
	s.wg.Wait()
	// Connections queued on C and never taken.
	for {
		select {
		case h := <-s.c:
			h.Conn.Close()
		default:
			return err
		}
	}
}
