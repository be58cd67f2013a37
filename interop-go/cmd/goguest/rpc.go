package main

// The RPC connection: net/rpc's server with a gob codec of our own (the
// same bytes as net/rpc's), which logs failed calls, says why a connection
// ended, and starts the shutdown once the reply to Guest.Shutdown is out.

import (
	"bufio"
	"encoding/gob"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/rpc"

	"boxpark.dev/interop-go/contract"
)

// Guest is the RPC service "Guest": its exported methods are the
// contract's, each a thin call into the guest.
type Guest struct{ g *guest }

// Mount is mount(2); the target must exist.
func (s *Guest) Mount(req contract.MountRequest, _ *contract.Empty) error {
	return mount(req)
}

// Run runs a program to completion.
func (s *Guest) Run(req contract.RunRequest, resp *contract.RunResponse) error {
	return s.g.run(req, resp)
}

// Write replaces a file (atomically when it is a regular one).
func (s *Guest) Write(req contract.WriteRequest, _ *contract.Empty) error {
	return writeFile(req)
}

// Mkdir is os.MkdirAll.
func (s *Guest) Mkdir(req contract.MkdirRequest, _ *contract.Empty) error {
	return mkdir(req)
}

// Listen opens a socket whose connections (peers, for datagrams) go to
// host port 2.
func (s *Guest) Listen(req contract.ListenRequest, resp *contract.ListenResponse) error {
	addr, err := s.g.listen(req)
	resp.Address = addr
	return err
}

// Shutdown answers; the codec starts the shutdown once the reply is out.
func (s *Guest) Shutdown(req contract.ShutdownRequest, _ *contract.Empty) error {
	slog.Info("shutdown requested", "reboot", req.Reboot)
	return nil
}

// serveRPC serves the Guest service on conn until the host closes it or
// sends something that is not a request; then the next connection to guest
// port 1 is the RPC connection again.
func (g *guest) serveRPC(conn net.Conn) {
	slog.Info("RPC connection open")
	codec := newServerCodec(conn, g.requestShutdown)
	g.rpc.ServeCodec(codec) // returns once the calls in flight have finished
	g.releaseRPC()
	if codec.readErr != nil {
		slog.Warn("RPC connection closed: cannot read a request", "error", codec.readErr)
	} else {
		slog.Info("RPC connection closed")
	}
}

// serverCodec is net/rpc's gob server codec (one encoder and one decoder
// per connection, replies buffered and flushed one by one), plus what the
// guest needs to know about the traffic.
type serverCodec struct {
	conn       io.ReadWriteCloser
	dec        *gob.Decoder
	enc        *gob.Encoder
	buf        *bufio.Writer
	onShutdown func()

	// readErr is why reading requests stopped, unless the host closed the
	// connection: set by ReadRequestHeader, read once ServeCodec returned.
	readErr error
}

func newServerCodec(conn io.ReadWriteCloser, onShutdown func()) *serverCodec {
	buf := bufio.NewWriter(conn)
	return &serverCodec{
		conn:       conn,
		dec:        gob.NewDecoder(conn),
		enc:        gob.NewEncoder(buf),
		buf:        buf,
		onShutdown: onShutdown,
	}
}

func (c *serverCodec) ReadRequestHeader(r *rpc.Request) error {
	err := c.dec.Decode(r)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		c.readErr = err
	}
	return err
}

func (c *serverCodec) ReadRequestBody(body any) error {
	return c.dec.Decode(body)
}

// WriteResponse is called by net/rpc one reply at a time.
func (c *serverCodec) WriteResponse(r *rpc.Response, body any) error {
	if r.Error != "" {
		slog.Warn("RPC call failed", "method", r.ServiceMethod, "seq", r.Seq, "error", r.Error)
	}
	err := c.enc.Encode(r)
	if err == nil {
		err = c.enc.Encode(body)
	}
	if err == nil {
		err = c.buf.Flush()
	}
	if err != nil {
		slog.Debug("RPC reply not sent", "method", r.ServiceMethod, "seq", r.Seq, "error", err)
		c.conn.Close()
	}
	// The reply to a Shutdown that succeeded is out (or cannot be sent):
	// now the guest stops.
	if r.ServiceMethod == "Guest.Shutdown" && r.Error == "" {
		c.onShutdown()
	}
	return err
}

func (c *serverCodec) Close() error {
	return c.conn.Close()
}
