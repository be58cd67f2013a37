package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/rpc"
	"time"

	"boxpark.dev/interop-go/contract"
)

// Method names of the "Guest" RPC service.
const (
	MethodMount    = "Guest.Mount"
	MethodRun      = "Guest.Run"
	MethodWrite    = "Guest.Write"
	MethodMkdir    = "Guest.Mkdir"
	MethodListen   = "Guest.Listen"
	MethodShutdown = "Guest.Shutdown"
)

// Client is an RPC connection to a guest: Go's net/rpc with its gob codec,
// over the first connection to guest port 1. Its methods are safe for
// concurrent use; calls run concurrently in the guest.
type Client struct {
	conn io.ReadWriteCloser
	rpc  *rpc.Client
}

// NewClient makes conn the RPC connection. conn must be the guest's RPC
// connection: the first one opened while no other RPC connection is open.
func NewClient(conn io.ReadWriteCloser) *Client {
	return &Client{conn: conn, rpc: rpc.NewClient(conn)}
}

// Dial opens the RPC connection to the guest behind the hybrid socket uds.
func Dial(uds string) (*Client, error) {
	return DialContext(context.Background(), uds)
}

// DialContext is [Dial] bounded by ctx.
func DialContext(ctx context.Context, uds string) (*Client, error) {
	conn, err := DialHybridContext(ctx, uds, GuestPort)
	if err != nil {
		return nil, err
	}
	return NewClient(conn), nil
}

// DialRetry opens the RPC connection and checks it with a harmless call
// (Guest.Mkdir of "/", which exists), retrying every 50 ms until ctx ends:
// while the socket does not exist yet, and while the guest still treats new
// connections as proxy connections because it has not yet noticed that the
// previous RPC connection closed.
func DialRetry(ctx context.Context, uds string) (*Client, error) {
	var last error
	for {
		c, err := DialContext(ctx, uds)
		if err == nil {
			probe, cancel := context.WithTimeout(ctx, 5*time.Second)
			err = c.Mkdir(probe, contract.MkdirRequest{Path: "/"})
			cancel()
			if err == nil {
				return c, nil
			}
			c.Close()
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no RPC connection to %s: %w (last error: %v)", uds, ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// RPC is the underlying net/rpc client, for calls by name.
func (c *Client) RPC() *rpc.Client { return c.rpc }

// Close closes the RPC connection. The guest then accepts a new one.
func (c *Client) Close() error { return c.rpc.Close() }

// Call calls method with args and decodes the reply into reply, waiting until
// the reply arrives or ctx ends. An error from the guest is an
// [rpc.ServerError].
func (c *Client) Call(ctx context.Context, method string, args, reply any) error {
	call := c.rpc.Go(method, args, reply, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
		return call.Error
	case <-ctx.Done():
		return fmt.Errorf("%s: no reply: %w", method, ctx.Err())
	}
}

// Mount mounts a filesystem in the guest (mount(2); the target must exist).
func (c *Client) Mount(ctx context.Context, req contract.MountRequest) error {
	return c.Call(ctx, MethodMount, req, &contract.Empty{})
}

// Run runs a program in the guest and returns its exit code and output.
func (c *Client) Run(ctx context.Context, req contract.RunRequest) (*contract.RunResponse, error) {
	var resp contract.RunResponse
	if err := c.Call(ctx, MethodRun, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Write replaces a file in the guest (atomically for regular files).
func (c *Client) Write(ctx context.Context, req contract.WriteRequest) error {
	return c.Call(ctx, MethodWrite, req, &contract.Empty{})
}

// Mkdir creates a directory and its parents in the guest.
func (c *Client) Mkdir(ctx context.Context, req contract.MkdirRequest) error {
	return c.Call(ctx, MethodMkdir, req, &contract.Empty{})
}

// Listen opens a socket in the guest whose connections (peers, for datagram
// networks) are forwarded to host port 2; it returns the bound address.
func (c *Client) Listen(ctx context.Context, req contract.ListenRequest) (*contract.ListenResponse, error) {
	var resp contract.ListenResponse
	if err := c.Call(ctx, MethodListen, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// Shutdown asks the guest to power off (or reboot). The guest replies first,
// then stops; the RPC connection ends afterwards.
func (c *Client) Shutdown(ctx context.Context, req contract.ShutdownRequest) error {
	return c.Call(ctx, MethodShutdown, req, &contract.Empty{})
}

// IsServerError reports whether err is an error that the guest answered
// (as opposed to a transport failure), and returns its text.
func IsServerError(err error) (string, bool) {
	var se rpc.ServerError
	if errors.As(err, &se) {
		return string(se), true
	}
	return "", false
}
