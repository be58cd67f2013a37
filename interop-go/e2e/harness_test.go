package e2e

// Test plumbing: the gate, building the guest once, one guest per test,
// bounded waits, and the helper mode of the test binary.

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"boxpark.dev/interop-go/contract"
	"boxpark.dev/interop-go/guesttest"
	"boxpark.dev/interop-go/host"
	"boxpark.dev/interop-go/internal/cargo"
	"boxpark.dev/interop-go/internal/hosttest"
)

// guestBinEnv names a prebuilt guest binary to test instead of building
// one (for example one built from a clean checkout).
const guestBinEnv = "BOXPARK_E2E_GUEST"

// implEnv selects the guest under test: "rust" (the default) is
// boxpark-guest, built with cargo; "go" is the Go reference guest
// (interop-go/cmd/goguest), built with go build. The suite must pass
// against both: it tests the contract.
const implEnv = "BOXPARK_E2E_IMPL"

// The values of implEnv.
const (
	implRust = "rust"
	implGo   = "go"
)

// sendUnixgramEnv makes the test binary a helper that sends its stdin as one
// datagram to the unixgram socket named by the variable, then exits.
const sendUnixgramEnv = "BOXPARK_E2E_SEND_UNIXGRAM"

// guestEnvMark is set in every guest's environment (to check that an empty
// Env means the guest's own environment).
const guestEnvMark = "BOXPARK_E2E_MARK"

// testTimeout bounds each test's context: every call and wait.
const testTimeout = 60 * time.Second

var (
	guestImpl string // implRust or implGo
	guestBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	if path := os.Getenv(sendUnixgramEnv); path != "" {
		os.Exit(sendUnixgram(path))
	}
	os.Exit(runTests(m))
}

// runTests builds the guest under test (once) and runs the tests.
func runTests(m *testing.M) int {
	guestImpl = os.Getenv(implEnv)
	if guestImpl == "" {
		guestImpl = implRust
	}
	if !cargo.Enabled() {
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), cargo.Timeout)
	defer cancel()
	switch bin := os.Getenv(guestBinEnv); {
	case guestImpl != implRust && guestImpl != implGo:
		buildErr = fmt.Errorf("%s=%q: want %q or %q", implEnv, guestImpl, implRust, implGo)
	case bin != "":
		guestBin = bin
		if _, err := os.Stat(bin); err != nil {
			buildErr = fmt.Errorf("%s=%s: %w", guestBinEnv, bin, err)
		}
	case guestImpl == implGo:
		dir, err := os.MkdirTemp("", "bpe-goguest")
		if err != nil {
			buildErr = err
			break
		}
		defer os.RemoveAll(dir)
		guestBin, buildErr = guesttest.BuildGoGuest(ctx, dir)
	default:
		guestBin, buildErr = guesttest.BuildGuest(ctx, "", nil)
	}
	return m.Run()
}

// sendUnixgram is the helper mode: stdin as one datagram to path, from an
// unnamed socket.
func sendUnixgram(path string) int {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "send-unixgram: reading stdin:", err)
		return 1
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "send-unixgram:", err)
		return 1
	}
	defer conn.Close()
	if _, err := conn.Write(data); err != nil {
		fmt.Fprintln(os.Stderr, "send-unixgram:", err)
		return 1
	}
	return 0
}

// requireGuest skips the test without GOB_RUST_INTEROP=1 and fails it when
// the guest did not build.
func requireGuest(t *testing.T) {
	t.Helper()
	cargo.Require(t, "cargo: the end-to-end tests build boxpark-guest (or go build the Go guest, with "+implEnv+"=go)")
	if buildErr != nil {
		t.Fatalf("building the %s guest: %v", guestImpl, buildErr)
	}
}

// rustGuestChoice skips the test (or subtest) when the guest under test is
// the Go reference guest: what it checks is a choice of the Rust guest that
// the contract does not make, said by reason.
func rustGuestChoice(t *testing.T, reason string) {
	t.Helper()
	if guestImpl == implGo {
		t.Skip("rust-guest choice: " + reason)
	}
}

// guest is one guest process for one test.
type guest struct {
	*guesttest.LocalGuest
	t      *testing.T
	dir    string // short temporary directory: sockets and files
	ctx    context.Context
	stderr *hosttest.SyncBuffer
}

type guestOpts struct {
	noConnect    bool
	proxyHandler func(*host.HostConn)
}

// shortTempDir is a fresh directory with a short path (Unix socket paths are
// limited to 107 bytes; t.TempDir() paths carry the test's name), removed at
// the end of the test.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "bpe")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// testContext is bounded by testTimeout and cancelled at the end of the test.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// startGuest starts a guest for t with its servers and RPC connection; the
// guest is stopped at the end of the test (its stderr and events are logged
// when the test failed).
func startGuest(t *testing.T) *guest {
	return startGuestWith(t, guestOpts{})
}

func startGuestWith(t *testing.T, o guestOpts) *guest {
	t.Helper()
	requireGuest(t)
	dir := shortTempDir(t)
	g := &guest{t: t, dir: dir, ctx: testContext(t), stderr: &hosttest.SyncBuffer{}}
	env := append(os.Environ(), guestEnvMark+"=present", "RUST_BACKTRACE=1")
	lg, err := guesttest.StartLocal(g.ctx, guesttest.LocalOptions{
		Binary:       guestBin,
		Dir:          dir,
		LogLevel:     "debug",
		Stderr:       g.stderr,
		Env:          env,
		ProxyHandler: o.proxyHandler,
		NoConnect:    o.noConnect,
	})
	if err != nil {
		t.Fatalf("starting the guest: %v\nguest stderr:\n%s", err, g.stderr.String())
	}
	g.LocalGuest = lg
	t.Cleanup(func() {
		if err := lg.Stop(5 * time.Second); err != nil {
			t.Logf("stopping the guest: %v", err)
		}
		if t.Failed() {
			g.dump()
		}
	})
	return g
}

// dump logs the tail of the guest's stderr and of the events received.
func (g *guest) dump() {
	out := g.stderr.String()
	if len(out) > 6<<10 {
		out = "...\n" + out[len(out)-6<<10:]
	}
	g.t.Logf("guest stderr (tail):\n%s", out)
	events := g.Events.Events()
	var b strings.Builder
	if len(events) > 40 {
		fmt.Fprintf(&b, "... (%d earlier)\n", len(events)-40)
		events = events[len(events)-40:]
	}
	for _, e := range events {
		fmt.Fprintln(&b, e.String())
	}
	g.t.Logf("events (tail):\n%s", b.String())
}

// within is a context bounded by d (and by the test's context).
func (g *guest) within(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(g.ctx, d)
	g.t.Cleanup(cancel)
	return ctx
}

// run calls Guest.Run and fails the test on an error.
func (g *guest) run(req contract.RunRequest) *contract.RunResponse {
	g.t.Helper()
	resp, err := g.Client.Run(g.ctx, req)
	if err != nil {
		g.t.Fatalf("Run %s %q: %v", req.Command, req.Args, err)
	}
	return resp
}

// alive checks that the guest still serves RPC calls (a Run of "true") and
// that its process is running.
func (g *guest) alive() {
	g.t.Helper()
	select {
	case <-g.Exited():
		g.t.Fatalf("the guest process exited")
	default:
	}
	hosttest.StillServes(g.t, g.within(20*time.Second), g.Client)
}

// proxy opens a proxy connection, closed at the end of the test.
func (g *guest) proxy(req contract.ProxyRequest) net.Conn {
	g.t.Helper()
	conn, err := host.ProxyContext(g.within(10*time.Second), g.UDS, req)
	if err != nil {
		g.t.Fatalf("proxy %s %s: %v", req.Network, req.Address, err)
	}
	g.t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	return conn
}

// waitLog waits up to 10 s for a Log from position mark with level >= minLevel
// that mentions every string.
func (g *guest) waitLog(mark, minLevel int, mentions ...string) *contract.Log {
	g.t.Helper()
	l, err := g.Events.WaitLog(g.within(10*time.Second), mark, minLevel, mentions...)
	if err != nil {
		g.t.Fatalf("event stream: %v", err)
	}
	return l
}

// waitLogAny waits up to 10 s for a Log from mark with level >= minLevel that
// mentions at least one of the strings.
func (g *guest) waitLogAny(mark, minLevel int, anyOf ...string) *contract.Log {
	g.t.Helper()
	e, err := g.Events.Wait(g.within(10*time.Second), mark, func(e host.Event) bool {
		if e.Log == nil || e.Log.Level < minLevel {
			return false
		}
		for _, s := range anyOf {
			if host.Mentions(e.Log, s) {
				return true
			}
		}
		return false
	})
	if err != nil {
		g.t.Fatalf("event stream: no %s log mentioning any of %q: %v", host.LevelName(minLevel), anyOf, err)
	}
	return e.Log
}

// serverError returns the guest's error text (see hosttest.ServerError).
func serverError(t *testing.T, what string, err error) string {
	t.Helper()
	return hosttest.ServerError(t, what, err)
}
