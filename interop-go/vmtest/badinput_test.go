package vmtest

// Bad inputs in a real VM: each gets an error or a logged close, and the
// guest keeps serving. And vsock connections to port 1 from inside the VM
// (not from the host, CID 2): closed unread and logged.

import (
	"strings"
	"testing"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
	"boxpark.dev/interop-go/internal/hosttest"
)

func init() {
	register("BadInput/proxy_requests", phaseServe, testBadProxyRequests)
	register("BadInput/garbage", phaseServe, testBadProxyGarbage)
	register("BadInput/calls", phaseServe, testBadCalls)
	register("BadInput/vsock_peer_cid", phaseServe, testBadVsockPeer)
}

// Proxy requests the guest cannot serve: closed without an answer, logged
// at warn level naming what was asked for.
func testBadProxyRequests(t *testing.T, vm *VM) {
	for _, tc := range []struct {
		name    string
		req     contract.ProxyRequest
		mention []string
	}{
		{"unknown network", contract.ProxyRequest{Network: "sctp", Address: "127.0.0.1:1"}, []string{"sctp"}},
		{"tcp port nobody listens on", contract.ProxyRequest{Network: "tcp", Address: "127.0.0.1:17999"}, []string{"127.0.0.1:17999"}},
		{"missing unix socket", contract.ProxyRequest{Network: "unix", Address: "/tmp/vmtest-nobody.sock"}, []string{"/tmp/vmtest-nobody.sock"}},
		{"missing program", contract.ProxyRequest{Network: "launch", Address: "boxpark-vmtest-no-such-program"}, []string{"boxpark-vmtest-no-such-program"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mark := vm.Events.Mark()
			if got := hosttest.ExpectEOF(t, openProxy(t, vm, tc.req), callTimeout); len(got) != 0 {
				t.Errorf("the guest answered %q before closing", got)
			}
			l := waitLog(t, vm, mark, hosttest.LevelWarn, tc.mention...)
			t.Logf("logged: %s", host.FormatLog(l))
			if l.Attrs["network"] != tc.req.Network {
				t.Errorf("the log names network %q, want %q", l.Attrs["network"], tc.req.Network)
			}
			stillServes(t, vm)
		})
	}
}

// Bytes that are not a gob ProxyRequest on a new connection to port 1 (a
// proxy connection, since the RPC connection is open): closed without an
// answer, logged.
func testBadProxyGarbage(t *testing.T, vm *VM) {
	for _, tc := range hosttest.ProxyGarbage {
		t.Run(tc.Name, func(t *testing.T) {
			mark := vm.Events.Mark()
			conn, err := host.DialHybridContext(vm.ctx(t, callTimeout), vm.UDS, host.GuestPort)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write(tc.Bytes); err != nil {
				t.Fatal(err)
			}
			if tc.HalfClose {
				if err := host.CloseWrite(conn); err != nil {
					t.Fatal(err)
				}
			}
			if got := hosttest.ExpectEOF(t, conn, callTimeout); len(got) != 0 {
				t.Errorf("garbage %q: the guest answered %q", tc.Bytes, got)
			}
			l := waitLog(t, vm, mark, hosttest.LevelWarn, "ProxyRequest")
			t.Logf("garbage %q: %s", tc.Bytes, host.FormatLog(l))
			stillServes(t, vm)
		})
	}
}

// Calls that fail answer with Go's error text and a warn log; the
// connection stays the RPC connection.
func testBadCalls(t *testing.T, vm *VM) {
	for _, tc := range []struct {
		name, method string
		call         func() error
		want         string
	}{
		{"run missing program", host.MethodRun, func() error {
			_, err := vm.Client.Run(vm.ctx(t, callTimeout), contract.RunRequest{Command: "boxpark-vmtest-no-such-program"})
			return err
		}, `exec: "boxpark-vmtest-no-such-program": executable file not found in $PATH`},
		{"mount on a missing target", host.MethodMount, func() error {
			return vm.Client.Mount(vm.ctx(t, callTimeout), contract.MountRequest{Source: "none", Target: "/tmp/vmtest-no-such-dir", FSType: "tmpfs"})
		}, "mount none on /tmp/vmtest-no-such-dir: stat /tmp/vmtest-no-such-dir: no such file or directory"},
		{"write under a missing directory", host.MethodWrite, func() error {
			return vm.Client.Write(vm.ctx(t, callTimeout), contract.WriteRequest{Path: "/tmp/vmtest-missing-dir/file", Data: []byte("x")})
		}, "open /tmp/vmtest-missing-dir/file: no such file or directory"},
	} {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			mark := vm.Events.Mark()
			msg := serverError(t, tc.name, tc.call())
			if msg != tc.want {
				t.Errorf("%s: error %q, want %q", tc.name, msg, tc.want)
			}
			l := waitLog(t, vm, mark, hosttest.LevelWarn, tc.method)
			t.Logf("logged: %s", host.FormatLog(l))
			stillServes(t, vm)
		})
	}
}

// vm-peer vsock-dial, inside the VM, to port 1 of vsock loopback (CID 1)
// and of the guest's own CID (3): the guest closes the connection unread and
// logs its peer_cid; the host's connections are untouched.
func testBadVsockPeer(t *testing.T, vm *VM) {
	refused := 0
	for _, cid := range []string{"1", "3"} {
		mark := vm.Events.Mark()
		out := strings.TrimSpace(vm.runOK(t, peerBin, "vsock-dial", cid, "1"))
		if strings.HasPrefix(out, "error: connect:") {
			t.Logf("CID %s: vm-peer vsock-dial says %q: no transport reaches it, nothing to refuse", cid, out)
			continue
		}
		if out != "closed" {
			t.Errorf("CID %s: vm-peer vsock-dial says %q, want closed (the guest must close a port-1 connection from any CID but 2 unread)", cid, out)
			continue
		}
		l := waitLog(t, vm, mark, hosttest.LevelWarn, "peer_cid")
		t.Logf("CID %s: closed; logged: %s", cid, host.FormatLog(l))
		if pc := l.Attrs["peer_cid"]; pc == "" || pc == "2" {
			t.Errorf("CID %s: peer_cid %q, want the peer's CID (not 2)", cid, pc)
		}
		refused++
	}
	if refused == 0 {
		t.Fatalf("neither CID 1 nor CID 3 reached the guest's port 1: nothing was tested")
	}
	// The host's connections: a new proxy connection works, and the RPC
	// connection is still the host's.
	got, err := host.ReadFile(vm.ctx(t, callTimeout), vm.UDS, "/etc/boxpark-root")
	if err != nil || string(got) != "squashfs root\n" {
		t.Errorf("file proxy after the refusals: %q, %v", got, err)
	}
	stillServes(t, vm)
	if errs := vm.Proxies.Errors(); len(errs) > 0 {
		t.Logf("host proxy errors so far: %v", errs)
	}
}
