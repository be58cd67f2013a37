package guesttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"boxpark.dev/interop-go/host"
	"boxpark.dev/interop-go/internal/cargo"
)

// BuildGuest runs `cargo build -q -p boxpark-guest` in the Rust workspace at
// root (the one above the current directory when root is "") and returns the
// path of the binary (under $CARGO_TARGET_DIR when set, else root/target).
// cargo's output goes to out (discarded when nil).
func BuildGuest(ctx context.Context, root string, out io.Writer) (string, error) {
	root, err := workspace(root)
	if err != nil {
		return "", err
	}
	if err := cargo.Build(ctx, root, out, "boxpark-guest"); err != nil {
		return "", err
	}
	return cargo.Binary(root, "boxpark-guest")
}

// workspace is root made absolute, or the workspace above the current
// directory when root is "".
func workspace(root string) (string, error) {
	if root == "" {
		return cargo.Workspace("")
	}
	return filepath.Abs(root)
}

// LocalOptions configures [StartLocal].
type LocalOptions struct {
	// Binary is the boxpark-guest executable (required).
	Binary string
	// Dir is where the sockets go (required; keep it short: a Unix socket
	// path has at most 107 bytes, and "_1" is appended).
	Dir string
	// LogLevel is passed as --log-level when not empty.
	LogLevel string
	// Stderr receives the guest's stderr (discarded when nil).
	Stderr io.Writer
	// Env is the guest's environment (this process's when nil).
	Env []string
	// ProxyHandler handles host-proxy connections; when nil they go to
	// Proxies.C().
	ProxyHandler func(*host.HostConn)
	// NoConnect leaves the RPC connection to the caller: StartLocal then
	// returns once the socket exists, with Client nil.
	NoConnect bool
	// Timeout bounds the start (socket and RPC connection): 20 s when 0.
	Timeout time.Duration
}

// LocalGuest is a boxpark-guest process on the hybrid transport, with the
// host's event and proxy servers, for development and tests.
type LocalGuest struct {
	UDS     string            // the hybrid socket
	Cmd     *exec.Cmd         // the guest process
	Events  *host.EventServer // host port 1
	Proxies *host.ProxyServer // host port 2
	Client  *host.Client      // the RPC connection (nil with NoConnect)
	proc    *proc
}

// StartLocal starts the event and proxy servers on <Dir>/guest.sock_1 and
// _2, then the guest with --transport hybrid:<Dir>/guest.sock; it waits for
// the socket and (unless NoConnect) opens the RPC connection.
func StartLocal(ctx context.Context, opts LocalOptions) (_ *LocalGuest, err error) {
	if opts.Binary == "" || opts.Dir == "" {
		return nil, errors.New("StartLocal: Binary and Dir are required")
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	uds := filepath.Join(opts.Dir, "guest.sock")
	if n := len(host.EventPath(uds)); n > 107 {
		return nil, fmt.Errorf("socket path %s_1 is %d bytes long, more than a Unix socket allows", uds, n)
	}
	g := &LocalGuest{UDS: uds}
	defer func() {
		if err != nil {
			g.Close()
		}
	}()
	if g.Events, err = host.ListenEvents(uds); err != nil {
		return nil, err
	}
	if g.Proxies, err = host.ListenProxy(uds, opts.ProxyHandler); err != nil {
		return nil, err
	}
	args := []string{"--transport", "hybrid:" + uds}
	if opts.LogLevel != "" {
		args = append(args, "--log-level", opts.LogLevel)
	}
	cmd := exec.Command(opts.Binary, args...)
	cmd.Env = opts.Env
	cmd.Stdout = opts.Stderr
	cmd.Stderr = opts.Stderr
	// The guest dies with this process, should it die first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if g.proc, err = startProc(opts.Binary, cmd); err != nil {
		return nil, err
	}
	g.Cmd = cmd
	for {
		if fi, err := os.Stat(uds); err == nil && fi.Mode()&os.ModeSocket != 0 {
			break
		}
		select {
		case <-g.proc.exited:
			return nil, fmt.Errorf("the guest exited before creating %s: %v", uds, g.proc.err)
		case <-ctx.Done():
			return nil, fmt.Errorf("the guest did not create %s: %w", uds, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if opts.NoConnect {
		return g, nil
	}
	if g.Client, err = host.DialRetry(ctx, uds); err != nil {
		return nil, err
	}
	return g, nil
}

// PID is the guest process's id.
func (g *LocalGuest) PID() int { return g.Cmd.Process.Pid }

// Exited is closed once the guest process has exited.
func (g *LocalGuest) Exited() <-chan struct{} { return g.proc.exited }

// Wait waits up to timeout for the guest process to exit and returns its
// state.
func (g *LocalGuest) Wait(timeout time.Duration) (*os.ProcessState, error) {
	return g.proc.wait(timeout, "guest")
}

// Kill sends SIGKILL to the guest process (by its PID) and waits for it.
func (g *LocalGuest) Kill() { g.proc.kill() }

// Shutdown calls Guest.Shutdown and waits up to timeout for the process to
// exit; it returns the exit state.
func (g *LocalGuest) Shutdown(ctx context.Context, timeout time.Duration) (*os.ProcessState, error) {
	return shutdown(ctx, g.Client, timeout, g.Wait)
}

// Stop ends the guest: Guest.Shutdown when an RPC connection is open, and
// SIGKILL when that fails or the process is still running after timeout.
// It then closes the servers. It reports how the guest ended.
func (g *LocalGuest) Stop(timeout time.Duration) error {
	err := stop(g.proc, g.Client, timeout, g.Shutdown, g.Kill, "killed the guest")
	g.Close()
	return err
}

// Close kills the guest if it still runs and closes the RPC connection and
// the servers.
func (g *LocalGuest) Close() {
	g.Kill()
	if g.Client != nil {
		g.Client.Close()
	}
	if g.Proxies != nil {
		g.Proxies.Close()
	}
	if g.Events != nil {
		g.Events.Close()
	}
}
