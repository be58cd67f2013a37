package e2e

// Bad inputs: each gets a clear error or an event Log, and the guest keeps
// serving.

import (
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/host"
	"boxpark.dev/interop-go/internal/hosttest"
)

func TestBadProxyGarbage(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	garbage := append(hosttest.ProxyGarbage[:len(hosttest.ProxyGarbage):len(hosttest.ProxyGarbage)],
		hosttest.Garbage{Name: "1 GiB", Bytes: []byte{0xfc, 0x40, 0x00, 0x00, 0x00}}, // Go's limit
	)
	for _, tc := range garbage {
		mark := g.Events.Mark()
		conn, err := host.DialHybridContext(g.within(10*time.Second), g.UDS, host.GuestPort)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(tc.Bytes); err != nil {
			t.Fatal(err)
		}
		if tc.HalfClose {
			host.CloseWrite(conn)
		}
		got := hosttest.ExpectEOF(t, conn, 10*time.Second)
		conn.Close()
		if len(got) != 0 {
			t.Errorf("garbage %q: the guest answered %q", tc.Bytes, got)
		}
		l := g.waitLog(mark, hosttest.LevelWarn)
		t.Logf("garbage %q: %s", tc.Bytes, host.FormatLog(l))
		g.alive()
	}
}

// A proxy request the guest cannot serve: the connection is closed without
// an answer, the failure is logged (naming what was asked for), and the
// guest keeps serving.
func TestBadProxyRequests(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	// A TCP port with nothing listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := ln.Addr().String()
	ln.Close()
	for _, tc := range []struct {
		name    string
		req     contract.ProxyRequest
		mention string
	}{
		{"unknown network", contract.ProxyRequest{Network: "sctp", Address: "127.0.0.1:1"}, "sctp"},
		{"empty network", contract.ProxyRequest{Network: "", Address: "x"}, ""},
		{"unreachable tcp", contract.ProxyRequest{Network: "tcp", Address: closedPort}, closedPort},
		{"bad tcp address", contract.ProxyRequest{Network: "tcp", Address: "no port here"}, "no port here"},
		{"missing unix socket", contract.ProxyRequest{Network: "unix", Address: filepath.Join(g.dir, "nobody.sock")}, "nobody.sock"},
		{"missing unixgram socket", contract.ProxyRequest{Network: "unixgram", Address: filepath.Join(g.dir, "nobody.dgram")}, "nobody.dgram"},
		{"missing file", contract.ProxyRequest{Network: "file", Address: filepath.Join(g.dir, "no-such-file")}, "no-such-file"},
		{"directory as file", contract.ProxyRequest{Network: "file", Address: g.dir}, g.dir},
		{"missing program", contract.ProxyRequest{Network: "launch", Address: "boxpark-no-such-program"}, "boxpark-no-such-program"},
		{"launch in a missing dir", contract.ProxyRequest{Network: "launch", Address: "true", Dir: filepath.Join(g.dir, "no-dir")}, "no-dir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mark := g.Events.Mark()
			conn := g.proxy(tc.req)
			got := hosttest.ExpectEOF(t, conn, 10*time.Second)
			if len(got) != 0 {
				t.Errorf("the guest answered %q before closing", got)
			}
			var l *contract.Log
			if tc.mention == "" {
				l = g.waitLog(mark, hosttest.LevelWarn)
			} else {
				l = g.waitLog(mark, hosttest.LevelWarn, tc.mention)
			}
			t.Logf("logged: %s", host.FormatLog(l))
			g.alive()
		})
	}
}

// The RPC connection gets a gob message with a huge length (or a message
// that is not gob): the guest closes that connection (without trying to
// allocate the length), logs it, and the next connection is the RPC
// connection again.
func TestBadRPCHugeLength(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		prefix []byte
		// underGob: a length that encoding/gob accepts on 64-bit (its
		// limit is 1 GiB on 32-bit, 8 GiB on 64-bit) and then waits to
		// read; only a guest with a message limit of its own closes at once.
		underGob bool
	}{
		{"2^63-1", []byte{0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false},
		{"1 GiB (Go's limit)", []byte{0xfc, 0x40, 0x00, 0x00, 0x00}, true},
		{"2 GiB-1", []byte{0xfc, 0x7f, 0xff, 0xff, 0xff}, true},
		{"not gob", []byte{0x05, 'h', 'e', 'l', 'l', 'o'}, false},
	} {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.underGob {
				rustGuestChoice(t, "a 64 MiB limit on RPC messages (docs/PROTOCOL.md); the contract sets none, and a net/rpc server waits for the rest of a message encoding/gob accepts")
			}
			// A fresh guest, so that the first connection is certainly
			// the RPC connection.
			g := startGuestWith(t, guestOpts{noConnect: true})
			mark := g.Events.Mark()
			conn, err := host.DialHybridContext(g.within(10*time.Second), g.UDS, host.GuestPort)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Write(tc.prefix); err != nil {
				t.Fatal(err)
			}
			got := hosttest.ExpectEOF(t, conn, 10*time.Second)
			conn.Close()
			if len(got) != 0 {
				t.Errorf("% x: the guest answered %q", tc.prefix, got)
			}
			l := g.waitLog(mark, hosttest.LevelWarn)
			t.Logf("% x: %s", tc.prefix, host.FormatLog(l))
			c, err := host.DialRetry(g.within(10*time.Second), g.UDS)
			if err != nil {
				t.Fatalf("after the bad RPC connection: %v", err)
			}
			g.Client = c // closed by the guest's Stop
			g.alive()
		})
	}
}

// The host closes the RPC connection and opens a new one, several times.
func TestBadRPCReconnect(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	firstTry := 0
	for i := 0; i < 3; i++ {
		// The guest learns of the close asynchronously: wait (up to 3 s)
		// for it to say so; then the next connection must be the RPC
		// connection, but a retry is allowed (and counted).
		mark := g.Events.Mark()
		g.Client.Close()
		_, _ = g.Events.WaitLog(g.within(3*time.Second), mark, hosttest.LevelDebug, "RPC connection closed")
		c, err := host.DialContext(g.within(10*time.Second), g.UDS)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Run(g.within(10*time.Second), contract.RunRequest{Command: "true"}); err == nil {
			firstTry++
		} else {
			c.Close()
			c, err = host.DialRetry(g.within(10*time.Second), g.UDS)
			if err != nil {
				t.Fatalf("reconnect %d: %v", i, err)
			}
		}
		g.Client = c
		g.alive()
	}
	t.Logf("%d of 3 reconnects worked at the first try", firstTry)
}

func TestBadRPCUnknownMethod(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	for method, want := range map[string]string{
		"Guest.Nope": "rpc: can't find method Guest.Nope",
		"Other.Run":  "rpc: can't find service Other.Run",
		"Nope":       "rpc: service/method request ill-formed: Nope",
	} {
		err := g.Client.Call(g.ctx, method, contract.Empty{}, &contract.Empty{})
		msg := serverError(t, method, err)
		if msg != want {
			t.Errorf("%s: error %q, want %q (as Go's net/rpc server)", method, msg, want)
		}
	}
	g.alive()
}

// An argument of the wrong type: an error answered by the guest, and the
// connection goes on.
func TestBadRPCWrongArgument(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	// Go's net/rpc server answers "gob: type mismatch: no fields matched
	// compiling decoder for RunRequest" and runs nothing.
	type notRun struct{ Unrelated string }
	err := g.Client.Call(g.ctx, host.MethodRun, notRun{"x"}, &contract.RunResponse{})
	msg := serverError(t, "Guest.Run with an unrelated struct", err)
	if !strings.Contains(msg, "type mismatch") {
		t.Errorf("Guest.Run with struct{Unrelated string}: error %q, want a decode error like Go's %q (the guest must not serve a zero RunRequest)",
			msg, "gob: type mismatch: no fields matched compiling decoder for RunRequest")
	}
	// Go: "gob: wrong type (string) for received field wrongType.Command".
	type wrongType struct{ Command int }
	err = g.Client.Call(g.ctx, host.MethodRun, wrongType{7}, &contract.RunResponse{})
	msg = serverError(t, "Guest.Run with Command int", err)
	if !strings.Contains(msg, "Command") {
		t.Errorf("Guest.Run with Command int: error %q does not name the field", msg)
	}
	t.Logf("Guest.Run with Command int: %s", msg)
	// The same for Shutdown: Go answers "gob: type mismatch: no fields
	// matched compiling decoder for ShutdownRequest" and does not shut down.
	type notShutdown struct{ Force bool }
	err = g.Client.Call(g.ctx, host.MethodShutdown, notShutdown{true}, &contract.Empty{})
	if err == nil {
		t.Errorf("Guest.Shutdown with struct{Force bool}: answered success, want Go's %q",
			"gob: type mismatch: no fields matched compiling decoder for ShutdownRequest")
		if _, werr := g.Wait(5 * time.Second); werr == nil {
			t.Fatalf("and the guest shut down on an argument Go would have refused")
		}
	} else {
		msg = serverError(t, "Guest.Shutdown with struct{Force bool}", err)
		if !strings.Contains(msg, "type mismatch") {
			t.Errorf("Guest.Shutdown with struct{Force bool}: error %q, want a decode error like Go's", msg)
		}
	}
	g.alive()
}

// Calls that fail in the guest leave the connection usable.
func TestRPCErrorsKeepConnection(t *testing.T) {
	t.Parallel()
	g := startGuest(t)
	for i := 0; i < 3; i++ {
		err := g.Client.Mkdir(g.ctx, contract.MkdirRequest{Path: "/proc/boxpark-e2e/x"})
		serverError(t, "Mkdir under /proc", err)
	}
	_, err := g.Client.Run(g.ctx, contract.RunRequest{Command: ""})
	serverError(t, "Run of an empty command", err)
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "shut down") {
		t.Fatalf("the connection broke: %v", err)
	}
	g.alive()
}
