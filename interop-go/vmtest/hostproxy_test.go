package vmtest

// Host port 2 in a real VM: sockets opened by Guest.Listen, a vm-peer client
// inside the guest (run with Guest.Run) that connects or sends, and the
// host's ProxyServer answering.

import (
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
	"boxpark.dev/interop-go/internal/hosttest"
)

func init() {
	register("HostProxy/tcp", phaseServe, testHostProxyTCP)
	register("HostProxy/unix", phaseServe, testHostProxyUnix)
	register("HostProxy/udp", phaseServe, testHostProxyUDP)
	register("HostProxy/unixgram", phaseServe, testHostProxyUnixgram)
}

// Guest paths of the host-proxy cases' sockets.
const (
	hostProxyUnixPath  = "/tmp/vmtest-hp.sock"
	hostProxyDgramPath = "/tmp/vmtest-hp.dgram"
)

// listen calls Guest.Listen and returns the bound address.
func listen(t *testing.T, vm *VM, req contract.ListenRequest) string {
	t.Helper()
	resp, err := vm.Client.Listen(vm.ctx(t, callTimeout), req)
	if err != nil {
		t.Fatalf("Listen %s %s: %v", req.Network, req.Address, err)
	}
	t.Logf("Listen %s %s: bound %s", req.Network, req.Address, resp.Address)
	return resp.Address
}

// answerStream serves one host-proxy stream connection from a vm-peer send
// client: it reads the client's text, answers "host got <text>", and
// half-closes; then it expects the client's half-close as EOF.
func answerStream(t *testing.T, h *host.HostConn, text string) {
	t.Helper()
	got := make([]byte, len(text))
	if _, err := io.ReadFull(h.Conn, got); err != nil {
		t.Fatalf("host read %q, %v; want %q", got, err, text)
	}
	if string(got) != text {
		t.Fatalf("host read %q, want %q", got, text)
	}
	if _, err := io.WriteString(h.Conn, "host got "+text); err != nil {
		t.Fatalf("answering: %v", err)
	}
	if err := host.CloseWrite(h.Conn); err != nil {
		t.Fatalf("half-closing: %v", err)
	}
	// The client half-closed after its text: EOF, nothing more.
	rest, err := io.ReadAll(h.Conn)
	if err != nil || len(rest) != 0 {
		t.Errorf("after the text, host read %q, %v; want EOF (the client's half-close)", rest, err)
	}
}

// remotePort checks that addr is ip:port with a port that is neither zero
// nor listenPort (a client's ephemeral port).
func remotePort(t *testing.T, addr, ip, listenPort string) {
	t.Helper()
	h, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Errorf("RemoteAddress %q: %v", addr, err)
		return
	}
	if n, err := strconv.Atoi(port); h != ip || err != nil || n == 0 || port == listenPort {
		t.Errorf("RemoteAddress %q, want %s:<the client's port>", addr, ip)
	}
}

func testHostProxyTCP(t *testing.T, vm *VM) {
	for _, tc := range []struct {
		name, listen, dialIP string
	}{
		{"loopback", "127.0.0.1:0", "127.0.0.1"},
		{"any", ":0", guestIP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bound := listen(t, vm, contract.ListenRequest{Network: "tcp", Address: tc.listen})
			_, port, err := net.SplitHostPort(bound)
			if err != nil {
				t.Fatalf("bound address %q: %v", bound, err)
			}
			target := net.JoinHostPort(tc.dialIP, port)
			text := "hello from the guest over " + tc.name
			run := runAsync(t, vm, peerBin, "send", "tcp", target, text)
			h := nextHostConn(t, vm, "tcp", tc.listen)
			r := h.Request
			if r.LocalAddress != target {
				t.Errorf("LocalAddress %q, want %q", r.LocalAddress, target)
			}
			remotePort(t, r.RemoteAddress, tc.dialIP, port)
			answerStream(t, h, text)
			if out := waitRun(t, run, "vm-peer send tcp "+target); out != "host got "+text+"\n" {
				t.Errorf("the client printed %q, want %q", out, "host got "+text+"\n")
			}
		})
	}
}

func testHostProxyUnix(t *testing.T, vm *VM) {
	bound := listen(t, vm, contract.ListenRequest{Network: "unix", Address: hostProxyUnixPath})
	if bound != hostProxyUnixPath {
		t.Errorf("bound %q, want %q", bound, hostProxyUnixPath)
	}
	text := "hello over unix"
	run := runAsync(t, vm, peerBin, "send", "unix", hostProxyUnixPath, text)
	h := nextHostConn(t, vm, "unix", hostProxyUnixPath)
	hosttest.CheckConnectionRequest(t, h.Request, contract.ConnectionRequest{Network: "unix", ListenAddress: hostProxyUnixPath, LocalAddress: hostProxyUnixPath, RemoteAddress: ""})
	answerStream(t, h, text)
	if out := waitRun(t, run, "vm-peer send unix"); out != "host got "+text+"\n" {
		t.Errorf("the client printed %q, want %q", out, "host got "+text+"\n")
	}
}

// Two UDP clients in turn: a host connection each, with its peer's address,
// and each reply goes back to its own client.
func testHostProxyUDP(t *testing.T, vm *VM) {
	const listenAddr = "127.0.0.1:0"
	bound := listen(t, vm, contract.ListenRequest{Network: "udp", Address: listenAddr, BufferSize: 65535})
	_, port, err := net.SplitHostPort(bound)
	if err != nil {
		t.Fatalf("bound address %q: %v", bound, err)
	}
	seen := map[string]bool{}
	for i, text := range []string{"ping one", "ping two"} {
		run := runAsync(t, vm, peerBin, "send", "udp", bound, text)
		h := nextHostConn(t, vm, "udp", listenAddr)
		r := h.Request
		if r.LocalAddress != bound {
			t.Errorf("LocalAddress %q, want %q", r.LocalAddress, bound)
		}
		remotePort(t, r.RemoteAddress, "127.0.0.1", port)
		if seen[r.RemoteAddress] {
			t.Errorf("client %d: a second connection for peer %s", i, r.RemoteAddress)
		}
		seen[r.RemoteAddress] = true
		d := h.Datagrams()
		got, err := d.Recv()
		if err != nil || string(got) != text {
			t.Fatalf("host got %q, %v; want %q", got, err, text)
		}
		if err := d.Send([]byte("pong: " + text)); err != nil {
			t.Fatal(err)
		}
		if out := waitRun(t, run, "vm-peer send udp"); out != "pong: "+text+"\n" {
			t.Errorf("client %d printed %q, want %q", i, out, "pong: "+text+"\n")
		}
	}
}

// A named client gets the host's reply; an unnamed one (notify, as
// systemd-notify sends) arrives with RemoteAddress "".
func testHostProxyUnixgram(t *testing.T, vm *VM) {
	bound := listen(t, vm, contract.ListenRequest{Network: "unixgram", Address: hostProxyDgramPath, BufferSize: 4096})
	if bound != hostProxyDgramPath {
		t.Errorf("bound %q, want %q", bound, hostProxyDgramPath)
	}
	t.Run("named", func(t *testing.T) {
		text := "hello over unixgram"
		run := runAsync(t, vm, peerBin, "send", "unixgram", hostProxyDgramPath, text)
		h := nextHostConn(t, vm, "unixgram", hostProxyDgramPath)
		r := h.Request
		if r.LocalAddress != hostProxyDgramPath || !strings.HasPrefix(r.RemoteAddress, "/tmp/vm-peer-") {
			t.Errorf("ConnectionRequest %+v, want LocalAddress %s and the client's /tmp/vm-peer-<pid>.sock", r, hostProxyDgramPath)
		}
		d := h.Datagrams()
		got, err := d.Recv()
		if err != nil || string(got) != text {
			t.Fatalf("host got %q, %v; want %q", got, err, text)
		}
		if err := d.Send([]byte("ack: " + text)); err != nil {
			t.Fatal(err)
		}
		if out := waitRun(t, run, "vm-peer send unixgram"); out != "ack: "+text+"\n" {
			t.Errorf("the client printed %q, want %q", out, "ack: "+text+"\n")
		}
	})
	t.Run("unnamed", func(t *testing.T) {
		vm.runOK(t, peerBin, "notify", hostProxyDgramPath, "READY=1")
		h := nextHostConn(t, vm, "unixgram", hostProxyDgramPath)
		hosttest.CheckConnectionRequest(t, h.Request, contract.ConnectionRequest{Network: "unixgram", ListenAddress: hostProxyDgramPath, LocalAddress: hostProxyDgramPath, RemoteAddress: ""})
		_ = h.Conn.SetReadDeadline(time.Now().Add(callTimeout))
		got, err := h.Datagrams().Recv()
		if err != nil || string(got) != "READY=1" {
			t.Fatalf("host got %q, %v; want READY=1", got, err)
		}
	})
}
