package vmtest

// Helpers of the proxy, host-proxy, event and bad-input cases: vm-peer
// servers inside the guest (started with a launch proxy connection), bounded
// proxy dials, waits for logs and for host-proxy connections.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
	"boxpark.dev/interop-go/internal/hosttest"
)

// peerBin is the test VM's peer program (boxpark-guest/examples/vm_peer.rs),
// installed by scripts/vm/image.sh.
const peerBin = "/usr/bin/vm-peer"

// logTimeout bounds the wait for one Log on the event stream.
const logTimeout = 30 * time.Second

// peerServer is a vm-peer server running in the guest, on a launch proxy
// connection that stays open while the server is needed: closing it
// SIGTERMs the server.
type peerServer struct {
	args []string
	conn net.Conn
	done chan struct{} // closed when the launch stream has ended

	mu     sync.Mutex
	stderr []string
	exit   *contract.LaunchOutput
	err    error
}

// startPeer starts `vm-peer args...` in the guest and waits (bounded by
// callTimeout) for its "ready" line; the server is stopped at the end of t.
func startPeer(t *testing.T, vm *VM, args ...string) *peerServer {
	t.Helper()
	conn, lr, err := host.LaunchContext(vm.ctx(t, callTimeout), vm.UDS, contract.ProxyRequest{Address: peerBin, Args: args})
	if err != nil {
		t.Fatalf("launch vm-peer %q: %v", args, err)
	}
	p := &peerServer{args: args, conn: conn, done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		defer close(p.done)
		signalled := false
		for {
			out, err := lr.Next()
			p.mu.Lock()
			switch {
			case err != nil:
				if !errors.Is(err, io.EOF) {
					p.err = err
				}
			case out.Exited:
				p.exit = &out
			case out.Stream == 2:
				p.stderr = append(p.stderr, out.Lines...)
			case out.Stream == 1 && !signalled:
				for _, l := range out.Lines {
					if l == "ready" {
						signalled = true
						close(ready)
						break
					}
				}
			}
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		select {
		case <-p.done:
		case <-time.After(callTimeout):
			t.Errorf("vm-peer %q: its launch stream did not end after the host closed it", args)
		}
	})
	start := time.Now()
	select {
	case <-ready:
		t.Logf("vm-peer %s ready after %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
		return p
	case <-p.done:
		t.Fatalf("vm-peer %q ended before printing ready: %s (is %s in the image? scripts/vm/image.sh installs it)", args, p.describe(), peerBin)
	case <-time.After(callTimeout):
		t.Fatalf("vm-peer %q printed no ready line within %v: %s", args, callTimeout, p.describe())
	}
	return nil
}

// describe says how the server's launch stream went so far.
func (p *peerServer) describe() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	if p.exit != nil {
		fmt.Fprintf(&b, "exited with %d", p.exit.ExitCode)
	} else if p.err != nil {
		fmt.Fprintf(&b, "stream ended: %v", p.err)
	} else {
		b.WriteString("running")
	}
	if len(p.stderr) > 0 {
		fmt.Fprintf(&b, "; stderr %q", p.stderr)
	}
	return b.String()
}

// openProxy opens a proxy connection (the dial bounded by callTimeout, every
// read and write by 2*callTimeout), closed at the end of t.
func openProxy(t *testing.T, vm *VM, req contract.ProxyRequest) net.Conn {
	t.Helper()
	conn, err := host.ProxyContext(vm.ctx(t, callTimeout), vm.UDS, req)
	if err != nil {
		t.Fatalf("proxy %s %q: %v", req.Network, req.Address, err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(2 * callTimeout))
	return conn
}

// openDatagrams opens a udp or unixgram proxy connection, closed at the end
// of t.
func openDatagrams(t *testing.T, vm *VM, req contract.ProxyRequest) *host.Datagrams {
	t.Helper()
	d, err := host.ProxyDatagramsContext(vm.ctx(t, callTimeout), vm.UDS, req)
	if err != nil {
		t.Fatalf("proxy %s %q: %v", req.Network, req.Address, err)
	}
	t.Cleanup(func() { d.Close() })
	_ = d.Conn().SetDeadline(time.Now().Add(2 * callTimeout))
	return d
}

// launchOnce opens a launch proxy connection for a program that ends by
// itself; the connection is closed at the end of t.
func launchOnce(t *testing.T, vm *VM, req contract.ProxyRequest) (net.Conn, *host.LaunchReader) {
	t.Helper()
	conn, lr, err := host.LaunchContext(vm.ctx(t, callTimeout), vm.UDS, req)
	if err != nil {
		t.Fatalf("launch %s %q: %v", req.Address, req.Args, err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(2 * callTimeout))
	return conn, lr
}

// waitLog waits (logTimeout) for a Log at event position mark or later with
// level >= minLevel that mentions every string.
func waitLog(t *testing.T, vm *VM, mark, minLevel int, mentions ...string) *contract.Log {
	t.Helper()
	l, err := vm.Events.WaitLog(vm.ctx(t, logTimeout), mark, minLevel, mentions...)
	if err != nil {
		t.Fatalf("event stream: %v", err)
	}
	return l
}

// stillServes checks that the guest still serves RPC calls: a Run of echo.
func stillServes(t *testing.T, vm *VM) {
	t.Helper()
	vm.requireRunning(t)
	hosttest.StillServes(t, vm.ctx(t, callTimeout), vm.Client)
}

// serverError returns the guest's error text (see hosttest.ServerError).
func serverError(t *testing.T, what string, err error) string {
	t.Helper()
	return hosttest.ServerError(t, what, err)
}

// nextHostConn waits (callTimeout) for the next host-proxy connection for
// the socket that Guest.Listen opened with network and listenAddress;
// connections for other sockets (late ones of earlier cases) are closed and
// logged. The connection is closed at the end of t.
func nextHostConn(t *testing.T, vm *VM, network, listenAddress string) *host.HostConn {
	t.Helper()
	timeout := time.After(callTimeout)
	for {
		select {
		case h := <-vm.Proxies.C():
			if h.Request.Network != network || h.Request.ListenAddress != listenAddress {
				t.Logf("host proxy: ignored a connection for another socket: %+v", h.Request)
				h.Close()
				continue
			}
			t.Cleanup(func() { h.Close() })
			_ = h.Conn.SetDeadline(time.Now().Add(2 * callTimeout))
			return h
		case <-timeout:
			t.Fatalf("no host-proxy connection for %s %s within %v (decode errors: %v)", network, listenAddress, callTimeout, vm.Proxies.Errors())
			return nil
		}
	}
}

// runResult is the outcome of a Run started in the background.
type runResult struct {
	resp *contract.RunResponse
	err  error
}

// runAsync starts Guest.Run (bounded by callTimeout) and delivers its
// outcome on the returned channel.
func runAsync(t *testing.T, vm *VM, command string, args ...string) <-chan runResult {
	ctx := vm.ctx(t, callTimeout)
	c := make(chan runResult, 1)
	go func() {
		resp, err := vm.Client.Run(ctx, contract.RunRequest{Command: command, Args: args})
		c <- runResult{resp, err}
	}()
	return c
}

// waitRun waits for a runAsync outcome and requires exit status 0; it
// returns stdout.
func waitRun(t *testing.T, c <-chan runResult, what string) string {
	t.Helper()
	select {
	case r := <-c:
		if r.err != nil {
			t.Fatalf("%s: %v", what, r.err)
		}
		if r.resp.ExitCode != 0 {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q", what, r.resp.ExitCode, r.resp.Stdout, r.resp.Stderr)
		}
		return string(r.resp.Stdout)
	case <-time.After(callTimeout + 5*time.Second):
		t.Fatalf("%s: no answer", what)
		return ""
	}
}
